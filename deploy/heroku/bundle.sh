#!/usr/bin/env bash
# Assemble the Heroku app of one service into a folder of its own, ready to push:
#   deploy/heroku/bundle.sh encoder /tmp/voiceclone-encoder [--models DIR]
#   cd /tmp/voiceclone-encoder && git init -q && git add -A && git commit -qm release
#   heroku create my-encoder --manifest   # or: heroku git:remote -a my-encoder
#   git push heroku HEAD:main
# A service needs the shared package beside its own, which Heroku's one-app-per-repo
# build cannot see in this monorepo; the bundle is that app's repository root.
# --models copies RTVC checkpoints into the slug (Heroku has no volumes; mind the
# 500 MB slug limit: synthesizer.pt with optimizer state is ~370 MB).
set -euo pipefail

usage() { echo "usage: $0 gateway|encoder|synthesizer|synthesizer-model|vocoder OUTDIR [--models DIR]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
service="$1" out="$2" models=""
shift 2
if [[ $# -gt 0 ]]; then
    [[ "$1" == "--models" && $# -eq 2 ]] || usage
    models="$2"
fi

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[[ -f "$here/$service/Procfile" ]] || { echo "no Heroku app for '$service'" >&2; usage; }
case "$service" in
    synthesizer-model) package=synthesizer ;;
    *) package="$service" ;;
esac

mkdir -p "$out/services"
copy() {  # copy a source tree without build and cache litter
    tar -C "$root" --exclude='__pycache__' --exclude='*.egg-info' --exclude='*.pyc' \
        -cf - "$1" | tar -C "$out" -xf -
}
copy shared
copy "services/$package"
cp "$here/$service/Procfile" "$here/$service/app.json" "$here/$service/requirements.txt" \
   "$here/$service/.python-version" "$out/"
if [[ -n "$models" ]]; then
    mkdir -p "$out/models"
    cp "$models"/*.pt "$out/models/"
fi
echo "bundled $service into $out"
