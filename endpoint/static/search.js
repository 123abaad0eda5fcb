// Search as you type: asks /search?q= and lists the best matches under the box.
(function () {
  const box = document.getElementById("search-box");
  const list = document.getElementById("search-results");
  if (!box) return;
  let timer = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const q = box.value.trim();
      if (q.length < 2) { list.innerHTML = ""; return; }
      const lang = document.documentElement.lang || "fr";
      const response = await fetch("/search?format=json&lang=" + lang + "&q=" + encodeURIComponent(q));
      const data = await response.json();
      list.innerHTML = "";
      for (const hit of data.results.slice(0, 10)) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = hit.path + "?lang=" + lang; a.textContent = hit.label;
        li.appendChild(a); list.appendChild(li);
      }
    }, 150);
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && list.firstChild) { event.preventDefault(); list.querySelector("a").focus(); }
  });
})();
