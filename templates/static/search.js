// Progressive search: replace the plain search form with the Pagefind UI when it can work.
// A large site's index comes in several bundles (pagefind/bundles.json lists the others);
// the UI merges them, ranking all results together.
// Without JavaScript, or from file:// (where the index cannot be fetched), the form stays and
// opens the search page, which then says that search needs `omakase serve` or a web server.
// Paths are derived from the page's own link to the home page, so the site works at any
// host path.
(function () {
  "use strict";
  if (location.protocol === "file:") {
    // A page opened from disk cannot fetch the index: the search page says so plainly,
    // in place of the note for browsers without JavaScript.
    var note = document.querySelector("[data-search-file]");
    var fallback = document.querySelector("[data-search-fallback]");
    if (note) note.hidden = false;
    if (note && fallback) fallback.hidden = true;
    return;
  }

  function rootOf(box) {
    var home = new URL(box.getAttribute("data-search-root") || "./", location.href);
    return home.pathname.replace(/index\.html$/, "");
  }

  // The Pagefind UI's stylesheet and script, loaded once, only when the site has an index
  // (bundles.json says so): a site with nothing to search yet links to no missing file.
  var loading = null;
  function loadUI(root) {
    if (!loading) {
      // Both must have loaded before the UI mounts: a UI drawn before its stylesheet
      // applies is restyled a moment later, and the page's layout shifts.
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = root + "pagefind/pagefind-ui.css";
      var script = document.createElement("script");
      script.src = root + "pagefind/pagefind-ui.js";
      loading = Promise.all([style, script].map(function (element) {
        return new Promise(function (resolve, reject) {
          element.onload = resolve;
          element.onerror = reject;
          document.head.appendChild(element);
        });
      }));
    }
    return loading;
  }

  function mount(box, query) {
    var root = rootOf(box);
    fetch(root + "pagefind/bundles.json")
      .then(function (response) { return response.ok ? response.json() : { indexed: false }; })
      .catch(function () { return { indexed: false }; })
      .then(function (bundles) {
        if (bundles.indexed === false) return;  // the plain form stays
        return loadUI(root).then(function () {
          if (typeof window.PagefindUI === "function") start(box, root, query, bundles.more || []);
        });
      })
      .catch(function () { /* no UI: the plain form stays */ });
  }

  function start(box, root, query, more) {
    var holder = document.createElement("div");
    holder.className = "pagefind-holder";
    box.replaceChildren(holder);
    var ui = new window.PagefindUI({
      element: holder,
      bundlePath: root + "pagefind/",
      mergeIndex: more.map(function (path) { return { bundlePath: root + path }; }),
      baseUrl: root,
      showImages: false,
      showSubResults: false,
      resetStyles: false,
      autofocus: Boolean(query),
      translations: { placeholder: "Search menus and items" },
    });
    // Pagefind's form prevents submission but carries action="javascript:void(0)"; point it at
    // the search page instead, so the page holds no javascript: URL at all.
    var form = holder.querySelector("form");
    if (form) form.setAttribute("action", root + "search/index.html");
    var input = holder.querySelector("input");
    if (input && !input.getAttribute("aria-label")) input.setAttribute("aria-label", "Search");
    if (query) ui.triggerSearch(query);
  }

  var page = document.querySelector("[data-search-page]");
  var query = new URLSearchParams(location.search).get("q") || "";
  if (page) {
    // On the search page the big box is the one to enhance; the header keeps its plain form.
    mount(page, query);
    return;
  }
  var header = document.querySelector(".site-search");
  if (header) mount(header, "");
})();
