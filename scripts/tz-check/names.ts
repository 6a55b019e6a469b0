/**
 * Writes what the library's time zone rule decides, for scripts/tz-check.sh: every name it accepts
 * (`TZ_DATABASE_NAMES`) and wrong inputs it refuses (each must be refused by `timeZoneProblem`, or
 * this fails). Usage: tsx scripts/tz-check/names.ts <out.json>
 */
import * as fs from 'fs';
import { TZ_DATABASE_NAMES, timeZoneProblem } from '../../lib/core/time-zone';

const REFUSED = [
  'Europe/Pariss', 'utc+2', 'UTC+2', '+02:00', '-0500', 'GMT+2', 'europe/paris', 'utc', 'etc/utc', 'Local', '', ' UTC', 'Europe/Paris ',
  'US/Pacific-New', 'Canada/East-Saskatchewan', 'Etc/GMT+14', 'Etc/GMT-15', 'Mars/Olympus_Mons', '../etc/passwd', '/etc/localtime',
];

const accepted = [...TZ_DATABASE_NAMES];
const wronglyAccepted = REFUSED.filter((name) => timeZoneProblem(name) === undefined);
if (wronglyAccepted.length > 0 || accepted.some((name) => timeZoneProblem(name) !== undefined)) {
  console.error(`tz-check: the rule accepts ${JSON.stringify(wronglyAccepted)} or refuses a listed name`);
  process.exit(1);
}
fs.writeFileSync(process.argv[2], JSON.stringify({ accepted, refused: REFUSED }));
