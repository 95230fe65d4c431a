// expect: ok ms 172800000 1m
import ms from "ms";

console.log("ok ms", ms("2 days"), ms(60000));
