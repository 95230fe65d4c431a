// expect: ok rxjs 2,4,6
import { map, of, toArray } from "rxjs";

of(1, 2, 3)
  .pipe(map((n) => n * 2), toArray())
  .subscribe((values) => console.log("ok rxjs", values.join()));
