#!/usr/bin/env bash
# Re-extract UI strings and merge them into the Japanese catalog (see README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
$BIN/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project=Roster --version=0.1.0 \
    --sort-by-file -w 100 -o roster/translations/messages.pot .
$BIN/pybabel update -i roster/translations/messages.pot -d roster/translations -l ja -w 100 \
    --ignore-obsolete
$BIN/pybabel compile -f -d roster/translations --statistics
