// expect: ok events 42
import EventEmitter from "events";

const emitter = new EventEmitter();
emitter.on("answer", (value) => console.log("ok events", value));
emitter.emit("answer", 42);
