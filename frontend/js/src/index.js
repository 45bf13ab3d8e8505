// The one browser bundle, dist/kaibiao-crypto.js: every page that handles
// keys or sealed files loads this file (cached once) and imports from it.
export { KeyFileError, DEFAULT_SCRYPT_WORK_FACTOR, generateBidderKey, isAgeFile, keyFileText, loadKeyFile, makeKeyFile } from "./keys.js";
export { bidRecipients, chunks, sealFile, sealForm } from "./seal.js";
export { SHARE_FORMAT, combine, dealOpeningKey, openShare } from "./ceremony.js";
export { fromHex, identityToSecret, secretToIdentity, sha256Hex, toHex } from "./bytes.js";
