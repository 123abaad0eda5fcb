// The query editor: highlighting, examples, run, results table with links, downloads, share link.
(function () {
  const query = document.getElementById("query");
  const highlight = document.getElementById("highlight");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const BASE = "https://w3id.org/tehkg/";
  const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const EXAMPLES = JSON.parse(document.getElementById("example-queries").textContent);
  const PREFIXES = JSON.parse(document.getElementById("editor-prefixes").textContent);
  const FR = document.documentElement.lang !== "en";
  const WEB = /^https?:\/\//i;  // only http(s) IRIs become links: javascript:, data:… stay text
  const TOKENS = /(#[^\n]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"\s]*>)|([?$]\w+)|\b(SELECT|ASK|CONSTRUCT|DESCRIBE|WHERE|PREFIX|BASE|FILTER|OPTIONAL|UNION|GRAPH|MINUS|VALUES|BIND|AS|GROUP|BY|ORDER|ASC|DESC|LIMIT|OFFSET|DISTINCT|COUNT|SAMPLE|GROUP_CONCAT|NOT|EXISTS|IN|FROM|NAMED|HAVING|LANG|STR|REGEX|CONTAINS|a)\b/gi;
  function paint() {
    const text = query.value;
    let html = "", last = 0, match;
    TOKENS.lastIndex = 0;
    while ((match = TOKENS.exec(text)) !== null) {
      if (match[0] === "") { TOKENS.lastIndex++; continue; }
      const cls = match[1] ? "cmt" : match[2] ? "str" : match[3] ? "iri-tok" : match[4] ? "var" : "kw";
      html += escape(text.slice(last, match.index)) + '<span class="' + cls + '">' + escape(match[0]) + "</span>";
      last = match.index + match[0].length;
    }
    highlight.innerHTML = html + escape(text.slice(last)) + "\n";
    highlight.scrollTop = query.scrollTop;
  }
  // The query with a PREFIX line for each known prefix it uses without declaring it, and how many lines that adds.
  function complete(text) {
    const declared = new Set(Array.from(text.matchAll(/PREFIX\s+([\w-]*):/gi), (m) => m[1]));
    const code = text.replace(/<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g, " ");
    const lines = Object.keys(PREFIXES)
      .filter((p) => !declared.has(p) && new RegExp("(^|[^\\w:?$-])" + p.replace(/-/g, "\\-") + ":").test(code))
      .map((p) => "PREFIX " + p + ": <" + PREFIXES[p] + ">");
    return { text: lines.concat([text]).join("\n"), added: lines.length };
  }
  // A parser error in words: line and column in the query as written, what was expected, the line with a caret.
  function readable(message, added) {
    const at = /error at (\d+):(\d+): expected one of ([\s\S]*)$/.exec(message);
    if (!at) return { text: message, excerpt: "" };
    const line = Number(at[1]) - added, column = Number(at[2]);
    const wanted = Array.from(at[3].matchAll(/"((?:[^"\\]|\\.)*)"|\['(\\\\|.)'\]/g), (m) => "« " + (m[1] || m[2]) + " »");
    if (/'A' \.\.= 'Z'/.test(at[3])) wanted.push(FR ? "une lettre" : "a letter");
    if (/'0' \.\.= '9'/.test(at[3])) wanted.push(FR ? "un chiffre" : "a digit");
    if (/Prefix not found/.test(at[3])) wanted.unshift(FR ? "un préfixe déclaré" : "a declared prefix");
    const where = FR ? "Erreur de syntaxe ligne " + line + ", colonne " + column : "Syntax error at line " + line +
      ", column " + column;
    const source = query.value.split("\n")[line - 1] || "";
    return { text: where + (wanted.length ? (FR ? " : attendu " : ": expected ") + wanted.join(", ") : ""),
             excerpt: source + "\n" + " ".repeat(Math.max(0, column - 1)) + "^" };
  }
  function url(format) {
    return "/sparql?query=" + encodeURIComponent(complete(query.value).text) + (format ? "&format=" + format : "");
  }
  function cell(term) {
    if (!term) return "";
    if (term.type === "uri" && WEB.test(term.value)) {
      const href = term.value.startsWith(BASE) ? "/" + term.value.slice(BASE.length) : term.value;
      return '<a href="' + escape(href) + '">' + escape(term.value.replace(BASE, "")) + "</a>";
    }
    return escape(term.value) + (term["xml:lang"] ? ' <span class="tag">@' + escape(term["xml:lang"]) + "</span>" : "");
  }
  async function run() {
    status.textContent = "…";
    const started = performance.now();
    const sent = complete(query.value);
    const response = await fetch("/sparql", { method: "POST",
      headers: { "Content-Type": "application/sparql-query",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: sent.text });
    const type = response.headers.get("content-type") || "";
    if (!response.ok) {
      const error = readable((await response.json()).message, sent.added);
      status.textContent = error.text;
      results.innerHTML = error.excerpt ? '<pre class="error-excerpt">' + escape(error.excerpt) + "</pre>" : "";
      return;
    }
    if (!type.startsWith("application/sparql-results+json")) {
      results.innerHTML = "<pre>" + escape(await response.text()) + "</pre>";
      status.textContent = ""; return;
    }
    const data = await response.json();
    if ("boolean" in data) { results.innerHTML = "<p>" + data.boolean + "</p>"; status.textContent = ""; return; }
    const vars = data.head.vars;
    let html = "<table><thead><tr>" + vars.map((v) => "<th>" + escape(v) + "</th>").join("") + "</tr></thead><tbody>";
    for (const row of data.results.bindings) {
      html += "<tr>" + vars.map((v) => "<td>" + cell(row[v]) + "</td>").join("") + "</tr>";
    }
    results.innerHTML = html + "</tbody></table>";
    status.textContent = data.results.bindings.length + (FR ? " lignes, " : " rows, ") +
      Math.round(performance.now() - started) + " ms" + (data.truncated ? (FR ? " (tronqué)" : " (truncated)") : "");
  }
  query.addEventListener("input", paint);
  query.addEventListener("scroll", function () { highlight.scrollTop = query.scrollTop; });
  document.getElementById("run").addEventListener("click", run);
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run();
  });
  document.getElementById("examples").addEventListener("change", function (event) {
    if (event.target.value === "") return;
    query.value = EXAMPLES[event.target.value]; paint();
    document.getElementById("question").textContent = event.target.selectedOptions[0].textContent;
  });
  document.getElementById("csv").addEventListener("click", function (ev) { ev.currentTarget.href = url("csv"); });
  document.getElementById("json").addEventListener("click", function (ev) { ev.currentTarget.href = url("json"); });
  document.getElementById("share").addEventListener("click", function (ev) {
    ev.currentTarget.href = "/sparql?query=" + encodeURIComponent(query.value);
  });
  paint();
  if (new URLSearchParams(location.search).has("query")) run();
})();
