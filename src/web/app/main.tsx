import { render } from "preact";
import { App } from "./app.js";
import { takeSignInToken } from "./router.js";
import "./styles.css";

// The dashboard's entry: take a sign-in link's token out of the URL before anything renders, then start.

const root = document.getElementById("app");
if (root !== null) {
  root.textContent = "";
  render(<App linkToken={takeSignInToken()} />, root);
}
