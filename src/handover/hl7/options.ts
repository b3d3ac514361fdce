// What the HL7 builder needs from the configuration and from the encounter service. The handover's config part maps
// the vehicle YAML onto these; the builder itself reads no configuration.

/** The patient the messages are about, as the hospital is to know them. */
export interface HandoverEncounter {
  /** The encounter id (what records carry in `encounter`): PV1-19, the visit number. */
  readonly id: string;
  /** PID-3: the patient identifier the hospital expects (the EMS case number); the encounter id when absent. */
  readonly patientId?: string;
  readonly name?: { readonly family?: string; readonly given?: string };
  readonly sex?: 'male' | 'female';
}

export interface Hl7BuilderOptions {
  /** MSH-3 / MSH-4: this gateway. */
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  /** MSH-5 / MSH-6: the interface engine. */
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  /** The ambulance: PV1-3 (where the patient is now). */
  readonly vehicle: string;
  /** The open encounter, if any; read when a message is built. */
  readonly encounter: () => HandoverEncounter | undefined;
  /** MSH-11: P production, T training, D debugging. */
  readonly processingId: 'P' | 'T' | 'D';
  /** PID-3.4 / PV1-19.4: who assigned the patient and visit ids. Default: the sending facility, else the application. */
  readonly assigningAuthority?: string;
  /**
   * A device's observation cycle is closed by tick() when nothing new arrived for this long (ms). Default 2000: longer
   * than the gap between the records of one poll, shorter than the usual 5–60 s between a monitor's reports.
   */
  readonly quietMs?: number;
  /**
   * Records of one device whose observation times lie within this window (ms) of the cycle's first belong to that
   * cycle, unless a metric repeats (which starts the next cycle). Default 1000: drivers that poll blocks one after
   * another (MEDIBUS, S/5) time-stamp one cycle's values a few hundred ms apart.
   */
  readonly cycleWindowMs?: number;
}
