// Verifies a credential with Digital Bazaar's libraries, which the app does not use: the
// outside check of the app's Open Badges and status lists.
//
// stdin: {"checks": [{"credential": {...}, "cryptosuite": "eddsa-rdfc-2022" | "eddsa-jcs-2022"},
//         ...], "contexts": {"<url>": {...}}, "documents": {"<url>": {...}}, "now": "<date-time>"}
// "contexts" are the JSON-LD contexts the app ships; "documents" anything else the loader may
// serve (a status list credential). The issuer's did:key document is built here from the
// proof's verification method. Nothing is fetched from the network.
// stdout: [{"verified": true|false, "errors": [...]}, ...], one per check, in order.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {gunzipSync} from 'node:zlib';

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

const input = JSON.parse(await new Promise(resolve => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', chunk => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));
const suites = {'eddsa-rdfc-2022': rdfc, 'eddsa-jcs-2022': createVerifyCryptosuite()};
const now = new Date(input.now || Date.now());

async function didKeyDocument(did) {
  const fingerprint = did.slice('did:key:'.length);
  const key = await Ed25519Multikey.from({
    id: `${did}#${fingerprint}`, controller: did, publicKeyMultibase: fingerprint
  });
  const method = await key.export({publicKey: true, includeContext: false});
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [method],
    assertionMethod: [method.id],
    authentication: [method.id]
  };
}

async function documentLoader(url) {
  const known = input.contexts[url] ?? (input.documents || {})[url];
  if(known) {
    return {contextUrl: null, documentUrl: url, document: known};
  }
  if(url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#');
    const controller = await didKeyDocument(did);
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: controller};
    }
    const method = controller.verificationMethod.find(m => m.id === url);
    if(!method) {
      throw new Error(`no such key: ${url}`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': MULTIKEY_V1, ...method}};
  }
  throw new Error(`the loader serves no ${url}`);
}

function suiteOf(name) {
  if(!suites[name]) {
    throw new Error(`unknown cryptosuite ${name}`);
  }
  return new DataIntegrityProof({cryptosuite: suites[name]});
}

// Bitstring Status List v1.0, section "Validate Algorithm": the list credential verifies, its
// purpose matches, and the bit at statusListIndex (GZIP, base64url multibase) is not set.
// A status list is checked with the suite the credential is being checked with.
const checkStatusWith = name => async ({credential}) => {
  const entries = [].concat(credential.credentialStatus || []);
  for(const entry of entries) {
    if(entry.type !== 'BitstringStatusListEntry') {
      return {verified: false, error: new Error(`status type ${entry.type}`)};
    }
    const {document: list} = await documentLoader(entry.statusListCredential);
    const checked = await vc.verifyCredential({
      credential: list, suite: suiteOf(name), documentLoader, now
    });
    if(!checked.verified) {
      return {verified: false, error: new Error('the status list does not verify')};
    }
    const subject = list.credentialSubject;
    if(subject.statusPurpose !== entry.statusPurpose) {
      return {verified: false, error: new Error('status purposes differ')};
    }
    if(!list.type.includes('BitstringStatusListCredential') ||
      subject.type !== 'BitstringStatusList') {
      return {verified: false, error: new Error('not a bitstring status list')};
    }
    const encoded = subject.encodedList;
    if(!encoded.startsWith('u')) {
      return {verified: false, error: new Error('encodedList is not base64url multibase')};
    }
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    if(bits.length < 16384) {
      return {verified: false, error: new Error('the list is shorter than 16KB')};
    }
    const index = Number.parseInt(entry.statusListIndex, 10);
    // the first index is the left-most bit of the first byte
    const set = (bits[Math.floor(index / 8)] >> (7 - (index % 8))) & 1;
    if(set) {
      return {verified: false, error: new Error(`${entry.statusPurpose}: the bit is set`)};
    }
  }
  return {verified: true};
};

function errorsOf(result) {
  const errors = [];
  const collect = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e)) {
      e.forEach(collect);
      return;
    }
    errors.push(String(e.message || e));
    if(e.errors) {
      collect(e.errors);
    }
  };
  collect(result.error);
  for(const r of result.results || []) {
    collect(r.error);
  }
  if(result.statusResult && !result.statusResult.verified) {
    collect(result.statusResult.error);
  }
  return errors;
}

const outcomes = [];
for(const {credential, cryptosuite} of input.checks) {
  let result;
  try {
    result = await vc.verifyCredential({
      credential, suite: suiteOf(cryptosuite), documentLoader,
      checkStatus: checkStatusWith(cryptosuite), now
    });
  } catch(error) {
    result = {verified: false, error};
  }
  outcomes.push({verified: Boolean(result.verified), errors: errorsOf(result)});
}
process.stdout.write(JSON.stringify(outcomes) + '\n');
