#!/usr/bin/env bash
# The Action's one step that runs authmd (action.yml passes its inputs as AUTHMD_* variables).
# It never fails the step itself: it records authmd's exit code in $GITHUB_OUTPUT, so the SARIF upload
# runs on findings too, and the Action's last step exits with that code. Tested by tests/integrations.
set -uo pipefail

command="${AUTHMD_COMMAND:-lint}"
format="${AUTHMD_FORMAT:-github}"
sarif_file="${AUTHMD_SARIF_FILE:-authmd.sarif}"
output="${GITHUB_OUTPUT:-/dev/null}"

case "$command" in
  lint|probe) ;;
  *) echo "::error title=authmd::command must be lint or probe, not '$command'"; echo "exit-code=2" >> "$output"; exit 0 ;;
esac
case "$format" in
  github|sarif) ;;
  *) echo "::error title=authmd::format must be github or sarif, not '$format'"; echo "exit-code=2" >> "$output"; exit 0 ;;
esac

read -r -a paths <<< "${AUTHMD_PATHS:-.}"
read -r -a extra <<< "${AUTHMD_ARGS:-}"
argv=(authmd "$command" "${paths[@]}" --format "$format")
if [ "${AUTHMD_STRICT:-false}" = "true" ]; then
  argv+=(--strict)
fi
if [ "$format" = "sarif" ]; then
  mkdir -p "$(dirname "$sarif_file")"
  argv+=(--output "$sarif_file")
fi
argv+=("${extra[@]}")

echo "+ ${argv[*]}"
"${argv[@]}"
code=$?
echo "exit-code=$code" >> "$output"
if [ "$format" = "sarif" ] && [ -s "$sarif_file" ]; then
  echo "sarif-file=$sarif_file" >> "$output"
  echo "authmd: SARIF report written to $sarif_file (uploaded to code scanning)"
fi
exit 0
