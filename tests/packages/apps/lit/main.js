// expect: ok lit hello lit
import { html, LitElement } from "lit";

class HelloElement extends LitElement {
  static properties = { name: {} };
  render() {
    return html`<p>hello ${this.name}</p>`;
  }
}
customElements.define("hello-element", HelloElement);

const element = document.createElement("hello-element");
element.name = "lit";
document.getElementById("root").append(element);
element.updateComplete.then(() => {
  console.log("ok lit", element.shadowRoot.querySelector("p").textContent);
});
