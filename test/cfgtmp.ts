import { loadConfig, ConfigError } from '/work/main/src/config/index.js';
try { const c = loadConfig(process.argv[2]!); console.log(JSON.stringify(c.config, null, 1)); } catch (e) { if (e instanceof ConfigError) console.log(e.message); else throw e; }
