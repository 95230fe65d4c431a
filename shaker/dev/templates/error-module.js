// shaker could not build the module that was requested here; the error overlay shows the
// details. Importing this module fails, like importing a module with a syntax error does.
const error = __SHAKER_ERROR__;
console.error("[shaker] " + error.message + (error.frame ? "\n" + error.frame : ""));
throw new Error(error.message);
