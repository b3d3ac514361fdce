// Writes the constructed astm and poct1a captures in fixtures/ (see their PROVENANCE.md). Deterministic: run it
// again after changing it and commit what changes.
//   npm run build && node dist/scripts/make-lab-fixtures.js
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENQ_BYTE, EOT_BYTE, framesOf } from '../drivers/astm/e1381.js';
import { packageRoot } from '../src/core/paths.js';

const root = packageRoot();
const astmDir = join(root, 'fixtures', 'astm');
const poctDir = join(root, 'fixtures', 'poct1a');
mkdirSync(astmDir, { recursive: true });
mkdirSync(poctDir, { recursive: true });

const transfer = (records: string[], maxText = 240): Buffer => Buffer.concat([ENQ_BYTE, ...framesOf(records, maxText), EOT_BYTE]);

// A record longer than a frame: the comment after the lactate result spans three frames (ETB, ETB, ETX); every other
// record is cut at 64 characters too, so several records continue across frames.
const longComment = `C|1|I|Sample drawn during transport; ${'lactate re-measured after 2 min, same cartridge; '.repeat(8)}end of note|G`;
writeFileSync(
  join(astmDir, 'multiframe-etb.bin'),
  transfer(
    [
      'H|\\^&|||ABL90^Radiometer^3.4|||||||P|LIS2-A2|20240315103000',
      'P|1||MRN12345',
      'O|1|SAMPLE0043||^^^BG|S|20240315102800|20240315102700||||||||Venous',
      'R|1|^^^pH|7.301||7.310^7.410|L||F||medic12||20240315102930',
      'R|2|^^^pCO2|52.4|mmHg|41.0^51.0|H||F||medic12||20240315102930',
      'R|3|^^^cLac|4.8|mmol/L|0.5^2.2|HH||F||medic12||20240315102930',
      longComment,
      'L|1|N',
    ],
    64,
  ),
);

// Custom delimiters: field "!", repeat "~", component "@", escape "%". The comment carries an escaped field delimiter
// (%F%) and a hex escape (%X21%, "!"); the flags field repeats (H~A).
writeFileSync(
  join(astmDir, 'custom-delimiters.bin'),
  transfer([
    'H!~@%!!!GEM5000@Werfen@7.1!!!!!!!P!LIS2-A2!20240315104500',
    'P!1!!MRN99881',
    'O!1!SMP-77!!@@@BG!R!!20240315104200!!!!!!!!Arterial',
    'R!1!@@@cK+!6.4!mmol/L!3.5@5.0!H~A!!F!!nurse7!!20240315104430',
    'C!1!I!Haemolysis index %F% 2 %X21%!G',
    'R!2!@@@cNa+!139!mmol/L!136@146!N!!F!!nurse7!!20240315104430',
    'L!1!N',
  ]),
);

// An interrupted transfer: EOT after two results, no L record. Nothing may come out final.
{
  const frames = framesOf([
    'H|\\^&|||ABL800^Radiometer^5.40|||||||P|LIS2-A2|20240315110000',
    'P|1||MRN12345',
    'O|1|SAMPLE0044||^^^BG|R|20240315105800|||||||||Arterial',
    'R|1|^^^pH|7.402||7.350^7.450|N||F||||20240315105950',
    'R|2|^^^pO2|61|mmHg|80^100|L||F||||20240315105950',
    'R|3|^^^cTnI|0.21|ng/mL|0.00^0.04|H||F||||20240315105950',
    'L|1|N',
  ]);
  writeFileSync(join(astmDir, 'interrupted.bin'), Buffer.concat([ENQ_BYTE, ...frames.slice(0, 5), EOT_BYTE]));
}

// Link faults as a capture shows them: a frame with a bad checksum and its retransmission (after the NAK), and a frame
// sent twice (our ACK was lost). Each result must come out once.
{
  const records = [
    'H|\\^&|||ABL800^Radiometer^5.40|||||||P|LIS2-A2|20240315111500',
    'P|1||MRN12345',
    'O|1|SAMPLE0045||^^^BG|R|20240315111300|||||||||Arterial',
    'R|1|^^^pH|7.365||7.350^7.450|N||F||||20240315111450',
    'R|2|^^^cHCO3-|21.0|mmol/L|22.0^26.0|L||F||||20240315111450',
    'L|1|N',
  ];
  const frames = framesOf(records);
  const bad = Buffer.from(frames[3]!);
  bad[8] = bad[8]! ^ 0x01; // one text byte changed, checksum kept
  writeFileSync(
    join(astmDir, 'retransmissions.bin'),
    Buffer.concat([ENQ_BYTE, frames[0]!, frames[1]!, frames[2]!, bad, frames[3]!, frames[4]!, frames[4]!, frames[5]!, EOT_BYTE]),
  );
}

// A quality-control run (O-12 action code Q) and, in the same transfer, a training-mode message (H-12 T).
writeFileSync(
  join(astmDir, 'qc-and-training.bin'),
  transfer([
    'H|\\^&|||ABL800^Radiometer^5.40|||||||P|LIS2-A2|20240315120000',
    'O|1|QC2-LOT4711||^^^BG|R|20240315115800|||||Q',
    'R|1|^^^pH|7.401||7.380^7.420|N||F||||20240315115950',
    'R|2|^^^pCO2|40.2|mmHg|37.0^43.0|N||F||||20240315115950',
    'L|1|N',
    'H|\\^&|||ABL800^Radiometer^5.40|||||||T|LIS2-A2|20240315120500',
    'P|1||TRAINING-01',
    'O|1|TRN-1||^^^BG|R|20240315120300',
    'R|1|^^^pH|7.410||7.350^7.450|N||F||||20240315120450',
    'L|1|N',
  ]),
);

// Raw E1394 (no E1381 framing), CR LF line ends, with an unmapped vendor test id and a cancelled result.
writeFileSync(
  join(astmDir, 'raw-records.txt'),
  [
    'H|\\^&|||RAPIDPoint500^Siemens^3.0|||||||P|LIS2-A2|20240315121000',
    'P|1||MRN55501',
    'O|1|RP-1001||^^^BG|S|20240315120800|||||||||Capillary',
    'R|1|^^^pH|7.351||7.350^7.450|N||F||||20240315120950',
    'R|2|^^^pCO2|6.10|kPa|4.7^6.0|H||F||||20240315120950',
    'R|3|^^^FO2Hb|94.1|%|94^98|N||F||||20240315120950',
    'R|4|^^^cGlu|||3.9^5.8|||X||||20240315120950',
    'L|1|N',
    '',
  ].join('\r\n'),
);

// POCT1-A: what a device sends in one conversation with a data manager (its ACKs of the manager's DTV, REQ and END
// included), between them a patient result (OBS.R01) and a QC run (OBS.R02), with an XML declaration and blanks
// between messages as devices send them.
const hdr = (type: string, id: number, at: string) =>
  `<HDR><HDR.message_type V="${type}"/><HDR.control_id V="${id}"/><HDR.version_id V="POCT1"/><HDR.creation_dttm V="${at}"/></HDR>`;
const ackOf = (id: number, acked: number, at: string) =>
  `<ACK.R01>${hdr('ACK.R01', id, at)}<ACK><ACK.type_cd V="AA"/><ACK.ack_control_id V="${acked}"/></ACK></ACK.R01>`;
const conversation = [
  `<?xml version="1.0" encoding="UTF-8"?>\n<HEL.R01>${hdr('HEL.R01', 1, '2024-03-15T10:14:00+01:00')}<DEV><DEV.device_id V="ISTAT-0042"/><DEV.vendor_id V="Abbott"/><DEV.model_id V="i-STAT 1"/><DEV.serial_id V="345678"/><DEV.sw_version V="JAMS 140"/></DEV><DCP><DCP.application_timeout V="30"/></DCP><DSC><DSC.connection_profile_cd V="CS"/><DSC.topics_supported_cd V="OBS"/><DSC.max_message_sz V="65536"/></DSC></HEL.R01>`,
  `<?xml version="1.0" encoding="UTF-8"?>\n<DST.R01>${hdr('DST.R01', 2, '2024-03-15T10:14:01+01:00')}<DST><DST.status_dttm V="2024-03-15T10:14:01+01:00"/><DST.new_observations_qty V="2"/><DST.condition_cd V="R"/></DST></DST.R01>`,
  ackOf(3, 1, '2024-03-15T10:14:02+01:00'),
  ackOf(4, 2, '2024-03-15T10:14:02+01:00'),
  `<?xml version="1.0" encoding="UTF-8"?>\n<OBS.R01>${hdr('OBS.R01', 42, '2024-03-15T10:15:30+01:00')}
 <SVC><SVC.role_cd V="OBS"/><SVC.observation_dttm V="2024-03-15T10:15:00+01:00"/><SVC.reason_cd V="NEW"/>
  <PT><PT.patient_id V="AMB-7781"/>
   <OBS><OBS.observation_id V="2744-1" SN="LN" DN="pH"/><OBS.value V="7.38"/><OBS.method_cd V="M"/></OBS>
   <OBS><OBS.observation_id V="2019-8" SN="LN" DN="pCO2"/><OBS.value V="44.1" U="mm[Hg]"/></OBS>
   <OBS><OBS.observation_id V="32693-4" SN="LN" DN="Lac"/><OBS.value V="2.4" U="mmol/L"/><OBS.interpretation_cd V="H"/><OBS.normal_lo-hi_limit V="[0.5;1.6]" U="mmol/L"/></OBS>
   <OBS><OBS.observation_id V="cTnI" SN="ISTAT" DN="Troponin I"/><OBS.value V="0.08" U="ng/mL"/><OBS.interpretation_cd V="H"/><OBS.normal_lo-hi_limit V="[0.00;0.08]" U="ng/mL"/><NTE><NTE.text V="Result above the 99th percentile"/></NTE></OBS>
  </PT><OPR><OPR.operator_id V="medic12"/></OPR><SPC><SPC.type_cd V="ART"/></SPC></SVC></OBS.R01>`,
  `<OBS.R02>${hdr('OBS.R02', 43, '2024-03-15T10:16:00+01:00')}<SVC><SVC.role_cd V="LQC"/><SVC.observation_dttm V="2024-03-15T09:00:00+01:00"/><CTC><CTC.name V="Level 2"/><CTC.lot_number V="QC2-LOT4711"/><OBS><OBS.observation_id V="pH" SN="ISTAT"/><OBS.value V="7.401"/><OBS.normal_lo-hi_limit V="[7.38;7.42]"/></OBS></CTC><OPR><OPR.operator_id V="medic12"/></OPR></SVC></OBS.R02>`,
  `<EOT.R01>${hdr('EOT.R01', 44, '2024-03-15T10:16:01+01:00')}<EOT><EOT.topic_cd V="OBS"/></EOT></EOT.R01>`,
  ackOf(45, 3, '2024-03-15T10:16:02+01:00'),
].join('\r\n');
writeFileSync(join(poctDir, 'conversation.xml'), `${conversation}\r\n`);

process.stdout.write(`fixtures written to ${astmDir} and ${poctDir}\n`);
