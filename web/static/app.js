// Starts GraphiQL in the page segql serves at /. The page has no inline
// script (its Content-Security-Policy forbids them): the GraphQL endpoint
// comes from the root element's data-endpoint attribute.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  if (!root) {
    return;
  }
  var endpoint = root.getAttribute('data-endpoint') || '/graphql';
  // --demo fills the headers editor with its development admin token.
  var headers = root.getAttribute('data-headers') || undefined;

  function showError(message) {
    root.textContent = '';
    var p = document.createElement('p');
    p.className = 'segql-error';
    p.textContent = message;
    root.appendChild(p);
  }

  if (typeof window.React === 'undefined' || typeof window.ReactDOM === 'undefined' || typeof window.GraphiQL === 'undefined') {
    var where = root.getAttribute('data-cdn') === 'true'
      ? 'from the CDN (is it reachable from this browser?)'
      : 'from this server';
    showError('GraphiQL could not load its scripts ' + where + '. The GraphQL endpoint is ' + endpoint + '.');
    return;
  }

  // The first query a newcomer sees walks the graph: segments, their
  // shoppers, and what those shoppers can get.
  var defaultQuery = [
    '# segql: segments, shopper profiles, customers and promotions in one graph.',
    '# Press the run button (or Ctrl-Enter). The docs pane describes every field.',
    '{',
    '  segments(first: 3) {',
    '    totalCount',
    '    nodes {',
    '      name',
    '      shopperProfiles(first: 2) {',
    '        nodes {',
    '          customer { email orderCount }',
    '          segments(first: 3) { nodes { name } }',
    '          eligiblePromotions { name }',
    '        }',
    '      }',
    '      promotions(first: 2) { nodes { name status } }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');

  var fetcher = window.GraphiQL.createFetcher({
    url: new URL(endpoint, window.location.href).toString(),
  });

  window.ReactDOM.createRoot(root).render(
    window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: headers,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    })
  );
})();
