#!/usr/bin/env bash
# Re-vendor the map's front-end libraries, Swagger UI (/docs) and axe-core from the npm registry,
# pinned, into static/vendor/: only the dist files the pages load and each package's licence.
set -euo pipefail

LEAFLET=1.9.4
MARKERCLUSTER=1.5.3
AXE=4.14.1
SWAGGER=5.35.0

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack NAME VERSION -> $work/NAME/
    (cd "$work" && npm pack --silent "$1@$2" > /dev/null)
    mkdir -p "$work/$1"
    tar -xzf "$work/$1-$2.tgz" -C "$work/$1" --strip-components=1
}

copy() {  # copy PACKAGE DEST FILE...
    local package="$1" dest="$out/$2"
    shift 2
    mkdir -p "$dest"
    for file in "$@"; do cp -R "$work/$package/$file" "$dest/"; done
}

unpack leaflet "$LEAFLET"
unpack leaflet.markercluster "$MARKERCLUSTER"
unpack axe-core "$AXE"
unpack swagger-ui-dist "$SWAGGER"

rm -rf "$out"
copy leaflet leaflet dist/leaflet.js dist/leaflet.css dist/images LICENSE
copy leaflet.markercluster markercluster dist/leaflet.markercluster.js dist/MarkerCluster.css \
    MIT-LICENCE.txt
copy axe-core axe-core axe.min.js LICENSE
copy swagger-ui-dist swagger-ui swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE

cat > "$out/VERSIONS" <<VERSIONS
leaflet $LEAFLET
leaflet.markercluster $MARKERCLUSTER
axe-core $AXE (tests only: injected by the browser tests, never served to pages)
swagger-ui-dist $SWAGGER (the API's /docs page)
VERSIONS
echo "vendored into $out:"
cat "$out/VERSIONS"
