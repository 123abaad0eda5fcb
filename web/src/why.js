// « Why this row? »: the triples that support a row of the answer, each with the documents that state it, their
// graphs and the passages quoted (GET /sparql/why), shown beside the results.
import { el, hrefOf, labelsOf, LANG, termNode, words } from "./dom.js";

const panel = () => document.getElementById("why");

export function whyButton(query, row) {
  const button = el("button", { type: "button", class: "why", title: words.why }, words.why);
  button.addEventListener("click", () => explain(query, row));
  return button;
}

async function explain(query, row) {
  const target = panel();
  target.hidden = false;
  target.replaceChildren(el("p", {}, "…"));
  const params = new URLSearchParams({ query, row: JSON.stringify(row), lang: LANG });
  const heading = el("h2", {}, words.why);
  let response, answer;
  try {
    response = await fetch("/sparql/why?" + params.toString(), { headers: { Accept: "application/json" } });
    answer = await response.json();
  } catch (error) { // the server could not be reached, or its answer could not be read
    target.replaceChildren(heading, el("p", { class: "why-reason" }, error.message));
    return;
  }
  if (!response.ok) {
    target.replaceChildren(heading, el("p", { class: "why-reason" }, answer.message || String(response.status)));
  } else if (!answer.supported) {
    target.replaceChildren(heading, el("p", { class: "why-reason" }, answer.reason));
  } else {
    const iris = answer.triples.flatMap((t) => [t.s, t.p, t.o]).filter((term) => term.type === "uri");
    const labels = await labelsOf(iris.map((term) => term.value));
    target.replaceChildren(heading, el("ul", { class: "why-triples" }, answer.triples.map((t) => triple(t, labels))));
  }
  target.scrollIntoView({ block: "nearest" });
}

function triple(t, labels) {
  return el("li", {},
    el("p", { class: "why-triple" }, termNode(t.s, labels), " ", termNode(t.p, labels), " ", termNode(t.o, labels)),
    el("ul", { class: "why-sources" }, t.sources.map((source) => {
      const href = hrefOf(source.document);
      return el("li", {},
        href ? el("a", { href, class: "why-document" }, source.title || source.document) : source.title,
        el("span", { class: "why-graph", title: source.graph }, " · " + source.graph.replace(/^.*\//, "")),
        source.passages.map((passage) => {
          const link = hrefOf(passage.iri);
          return el("blockquote", { class: "why-passage" }, passage.text, " ",
                    link ? el("a", { href: link }, words.passage) : null);
        }));
    })));
}
