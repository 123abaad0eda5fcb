// Small DOM helpers: elements built with text nodes (never HTML strings), the page's words, links to IRIs.
export const words = JSON.parse(document.getElementById("editor-words").textContent);
export const LANG = document.documentElement.lang === "en" ? "en" : "fr";
const BASE = "https://w3id.org/tehkg/";
const WEB = /^https?:\/\//i; // only http(s) IRIs become links: javascript:, data:… stay text
const SVG = "http://www.w3.org/2000/svg";
const MAX_LABELLED = 500; // IRIs named by one request (the /labels bound)

// An element with attributes and children (strings become text nodes).
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// An SVG element with attributes (presentation attributes, never a style attribute).
export function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Where an IRI opens: the dataset's IRIs their local page in the page's language, other web IRIs themselves.
export function hrefOf(iri) {
  if (!WEB.test(iri)) return null;
  if (iri.startsWith(BASE)) return "/" + iri.slice(BASE.length) + (LANG === "en" ? "?lang=en" : "");
  return iri;
}

// A term of a SPARQL JSON answer as a reader sees it: an IRI by its label (the IRI in its title), linked to its
// page when it is a web IRI; a literal with its language tag.
export function termNode(term, labels) {
  if (!term) return "";
  if (term.type === "uri") {
    const text = labels.get(term.value) || term.value.replace(BASE, "");
    const href = hrefOf(term.value);
    return href ? el("a", { href, title: term.value }, text) : el("span", { title: term.value }, text);
  }
  if (term.type === "bnode") return "_:" + term.value;
  const tag = term["xml:lang"] ? el("span", { class: "tag" }, "@" + term["xml:lang"]) : null;
  return tag ? el("span", {}, term.value, " ", tag) : term.value;
}

// The plain text of a term, for sorting, filtering and charts.
export function termText(term, labels) {
  if (!term) return "";
  return term.type === "uri" ? labels.get(term.value) || term.value : term.value;
}

// The labels of IRIs in the page's language (POST /labels), as a Map; the first MAX_LABELLED are asked for.
export async function labelsOf(iris) {
  const wanted = Array.from(new Set(iris)).slice(0, MAX_LABELLED);
  if (!wanted.length) return new Map();
  const response = await fetch("/labels", { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify({ iris: wanted, lang: LANG }) });
  return response.ok ? new Map(Object.entries((await response.json()).labels)) : new Map();
}
