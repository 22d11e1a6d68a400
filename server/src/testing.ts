// Test support shared with the real-process suites in test/: not part of the runtime.
export { runStoreContract, userInput, type StoreHarness } from './store/store-contract.js';
export { createTestContext, FIXTURE, manualClock, type TestContext } from './test-support.js';
export { openTestSocket, type TestSocket } from './ws-client.js';
export { startFakeOkta, type FakeOkta } from './okta/fake-okta.js';
