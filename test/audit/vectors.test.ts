// Known-answer tests: RFC 6962 Merkle hashes, RFC 8032 Ed25519 (test 1, empty message), ARDSnet predicted body
// weight, RFC 8785 canonical JSON; and the incremental Merkle root against the recursive definition.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import t from 'tap';
import { CompactRange, EMPTY_ROOT, leafHash, nodeHash, rootOf } from '../../src/audit/merkle.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { predictedBodyWeight } from '../../src/setpoints/clinical.js';
import { firstDuplicateKey } from '../../src/setpoints/strict-json.js';

t.test('RFC 6962 hashes', async (t) => {
  t.equal(EMPTY_ROOT.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.equal(leafHash(Buffer.alloc(0)).toString('hex'), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  t.equal(leafHash(Buffer.from('L123456')).toString('hex'), '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
  t.equal(nodeHash(Buffer.from('N123'), Buffer.from('N456')).toString('hex'), 'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb');
});

t.test('the incremental root equals the recursive definition for every size up to 70', async (t) => {
  const leaves: Buffer[] = [];
  const range = new CompactRange();
  t.equal(range.root().toString('hex'), EMPTY_ROOT.toString('hex'));
  let same = 0;
  for (let n = 1; n <= 70; n++) {
    const leaf = leafHash(Buffer.from(`entry ${n}`));
    leaves.push(leaf);
    range.append(leaf);
    if (range.root().equals(rootOf(leaves))) same++;
  }
  t.equal(same, 70);
  // The split is the largest power of two below n: for 3 leaves, node(node(a, b), c).
  const [a, b, c] = leaves as [Buffer, Buffer, Buffer];
  t.same(rootOf([a, b, c]), nodeHash(nodeHash(a, b), c));
});

t.test('Ed25519 RFC 8032 test 1 with node:crypto', async (t) => {
  const sk = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), sk]);
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  t.equal(pub.toString('hex'), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const sig = sign(null, Buffer.alloc(0), key);
  t.equal(sig.toString('hex'), 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
  t.ok(verify(null, Buffer.alloc(0), createPublicKey(key), sig));
});

t.test('predicted body weight (ARDSnet)', async (t) => {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  t.equal(r(predictedBodyWeight('male', 170)), 66.016);
  t.equal(r(predictedBodyWeight('female', 160)), 52.416);
  t.equal(r(predictedBodyWeight('male', 152.4)), 50);
  t.same([4, 6, 8].map((k) => Math.round(k * predictedBodyWeight('male', 170) * 10) / 10), [264.1, 396.1, 528.1]);
  t.same([4, 6, 8].map((k) => Math.round(k * predictedBodyWeight('female', 160) * 10) / 10), [209.7, 314.5, 419.3]);
});

t.test('canonical JSON (RFC 8785) and repeated keys', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 0.5, y: 1e21 } }), '{"a":[true,null,"x"],"b":1,"c":{"y":1e+21,"z":0.5}}');
  t.equal(firstDuplicateKey('{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}'), undefined, 'the same key in different objects is fine');
  t.equal(firstDuplicateKey('{"a":1,"b":{"x":1,"x":2}}'), 'x');
  t.equal(firstDuplicateKey('{"a\\u0062":1,"ab":2}'), 'ab', 'escapes are decoded before comparing');
  t.equal(firstDuplicateKey('{"k":"a\\"b","k2":1}'), undefined);
});
