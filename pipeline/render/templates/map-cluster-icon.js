function (cluster) {
  /* Ring split by the colours of the groups in the cluster (pipeline.render.palette), count inside. */
  var counts = {};
  var markers = cluster.getAllChildMarkers();
  markers.forEach(function (m) {
    var c = m.options.fillColor || '#9e9e9e';
    counts[c] = (counts[c] || 0) + 1;
  });
  var total = markers.length, start = 0, stops = [];
  Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; }).forEach(function (c) {
    var end = start + 100 * counts[c] / total;
    stops.push(c + ' ' + start.toFixed(2) + '% ' + end.toFixed(2) + '%');
    start = end;
  });
  var size = total < 10 ? 30 : total < 100 ? 36 : total < 1000 ? 44 : 52;
  return L.divIcon({
    html: '<div style="background: conic-gradient(' + stops.join(', ') + ')"><span>' + total + '</span></div>',
    className: 'cpts-cluster',
    iconSize: L.point(size, size)
  });
}
