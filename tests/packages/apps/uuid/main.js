// expect: ok uuid true 4
import { v4, validate, version } from "uuid";

const id = v4();
console.log("ok uuid", validate(id), version(id));
