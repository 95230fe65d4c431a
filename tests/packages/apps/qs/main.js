// expect: ok qs c x[0]=1&x[1]=2
import qs from "qs";

console.log("ok qs", qs.parse("a[b]=c").a.b, qs.stringify({ x: [1, 2] }, { encode: false }));
