// The crew's handover entries as parseCrewEntry checks them (the control socket and the local broker both go through
// it): the ETA as minutes from now or a time, the mechanism or complaint as one line of text with the incident time.
import t from 'tap';
import { CrewInputError, parseCrewEntry, payloadParams } from '../../src/crew/crew-input.js';

const NOW = Date.parse('2026-12-06T10:00:00.000Z');

/** The message of the CrewInputError the entry is refused with (undefined when accepted or another error). */
function refusal(action: string, params: Record<string, unknown>): string | undefined {
  try {
    parseCrewEntry(action, params, NOW);
  } catch (err) {
    if (err instanceof CrewInputError) return err.message;
  }
  return undefined;
}

t.test('eta: minutes from now or an ISO time, within the next 12 hours', async (t) => {
  t.same(parseCrewEntry('eta', { value: '12' }, NOW), { event: 'crew.eta', detail: { eta: '2026-12-06T10:12:00.000Z' } });
  t.same(parseCrewEntry('eta', { value: '+5' }, NOW).detail, { eta: '2026-12-06T10:05:00.000Z' });
  t.same(parseCrewEntry('eta', { eta: '2026-12-06T11:30:00+01:00' }, NOW).detail, { eta: '2026-12-06T10:30:00.000Z' }, 'normalised to UTC');
  t.same(parseCrewEntry('eta', payloadParams(Buffer.from('{"eta": 20}')), NOW).detail, { eta: '2026-12-06T10:20:00.000Z' }, 'a broker JSON payload');
  for (const bad of ['0', '9999', 'soon', '2026-12-06T09:00:00Z', '2026-12-07T10:00:00Z', '']) {
    t.match(refusal('eta', { value: bad }), /ETA/, `"${bad}" refused, saying why`);
  }
});

t.test('mechanism: one line of text, with the incident time when given', async (t) => {
  t.same(parseCrewEntry('mechanism', { value: '  fall\r\nfrom 3 m\u0007 ' }, NOW), { event: 'crew.mechanism', detail: { text: 'fall from 3 m' } });
  t.same(parseCrewEntry('mechanism', { text: 'RTC, driver', at: '2026-12-06T09:20:00Z' }, NOW).detail, { text: 'RTC, driver', incidentAt: '2026-12-06T09:20:00.000Z' });
  t.same(parseCrewEntry('mechanism', payloadParams(Buffer.from('chest pain')), NOW).detail, { text: 'chest pain' }, 'a plain broker payload');
  t.match(refusal('mechanism', { value: '  ' }), /empty/);
  t.match(refusal('mechanism', { value: 'x'.repeat(501) }), /longer than 500/);
  t.match(refusal('mechanism', { value: 'fall', at: '2026-12-06T12:00:00Z' }), /future/);
});
