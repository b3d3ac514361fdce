// How LevelDB reads its table files. By default it memory-maps up to 1,000 of them (on 64-bit), and every page a read
// touches stays in the daemon's RSS until that table is compacted away: draining a 1,000,000-record backlog, with the
// compactions its deletions cause, kept 10–20 MB of table pages mapped at a time, memory that a small backlog never
// shows. With the limit at 0 LevelDB reads the same blocks with pread; the kernel still caches them, but as page cache
// it can reclaim, not as the daemon's memory.
//
// classic-level has no option for this limit. The LevelDB it embeds exports the setter its own tests use
// (EnvPosixTestHelper::SetReadOnlyMMapLimit), which takes effect if called before the process opens its first
// database. It is called here through koffi (an optional dependency); where that is not possible the daemon runs as
// before, with mapped tables, and says so in its log.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// Loads classic-level's addon, so that the setter below reaches the same copy of LevelDB the databases use.
import 'level';

/** leveldb::EnvPosixTestHelper::SetReadOnlyMMapLimit(int), as the addon exports it (Itanium C++ mangling). */
const SET_MMAP_LIMIT = '_ZN7leveldb18EnvPosixTestHelper20SetReadOnlyMMapLimitEi';

interface Koffi {
  load(path: string): { func(signature: string): (limit: number) => void };
}

export type TableReads = { mapped: false; addon: string } | { mapped: true; reason: string };

let outcome: TableReads | undefined;

/** The classic-level addon this process has loaded, from its own memory map. */
function loadedAddon(): string | undefined {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return undefined;
  }
  // A prebuilt binary (prebuilds/linux-x64/classic-level.node, .musl.node) or one built here (build/Release/classic_level.node).
  const line = maps.split('\n').find((l) => /\/classic[-_]level(\.[a-z]+)?\.node$/.test(l));
  return line?.slice(line.indexOf('/'));
}

/**
 * Makes LevelDB read table files with pread instead of mmap, for every database this process opens from now on.
 * Call it before the first one opens (a later call changes nothing). Idempotent; never throws.
 */
export function readLevelDbTablesWithoutMmap(): TableReads {
  if (outcome) return outcome;
  const addon = loadedAddon();
  if (!addon) return (outcome = { mapped: true, reason: "classic-level's addon was not found in this process's memory map" });
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch {
    return (outcome = { mapped: true, reason: 'the optional module koffi is not installed' });
  }
  try {
    koffi.load(addon).func(`void ${SET_MMAP_LIMIT}(int)`)(0);
    return (outcome = { mapped: false, addon });
  } catch (err) {
    return (outcome = { mapped: true, reason: `LevelDB's mmap limit could not be set: ${(err as Error).message}` });
  }
}
