// expect: ok debug function app
import createDebug from "debug";

const log = createDebug("app");
log("not shown: debugging is off");
console.log("ok debug", typeof log, log.namespace);
