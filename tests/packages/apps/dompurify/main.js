// expect: ok dompurify <b>hi</b>
import DOMPurify from "dompurify";

console.log("ok dompurify", DOMPurify.sanitize('<b onclick="steal()">hi</b>'));
