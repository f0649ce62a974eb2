#!/usr/bin/env bash
# Checks that every relative link in the repository's Markdown files leads somewhere: the file or folder
# exists and, for a link to a heading (`file.md#heading`, `#heading`), the heading exists. Links to web
# addresses are not followed (no network here). One check per link; ends with "N passed, N failed".
#
#   scripts/check-docs.sh            # every *.md outside build output
#   scripts/check-docs.sh FILE...    # only these files
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

if [ "$#" -gt 0 ]; then
    files=("$@")
else
    mapfile -t files < <(find . \( -name .git -o -name target -o -name node_modules -o -name generated \
        -o -name .build -o -name corpus -o -name artifacts \) -prune -o -name '*.md' -print | sed 's|^\./||' | sort)
fi

# The anchors of a Markdown file's headings, as GitHub makes them: lower case, punctuation dropped,
# spaces as hyphens, and -1, -2, ... for repeats.
anchors() {
    awk '
        /^```/ { fenced = !fenced; next }
        fenced { next }
        /^#+ / {
            text = $0
            sub(/^#+ +/, "", text)
            text = tolower(text)
            gsub(/[^a-z0-9 _-]/, "", text)
            gsub(/ /, "-", text)
            if (text in seen) { seen[text]++; print text "-" seen[text] } else { seen[text] = 0; print text }
        }
    ' "$1"
}

# The link targets of a Markdown file, one per line, outside fenced code and inline code.
links() {
    awk '
        /^```/ { fenced = !fenced; next }
        fenced { next }
        {
            line = $0
            gsub(/`[^`]*`/, "", line)
            while (match(line, /\]\([^) ]+\)/)) {
                print substr(line, RSTART + 2, RLENGTH - 3)
                line = substr(line, RSTART + RLENGTH)
            }
        }
    ' "$1"
}

passed=0
failed=0
for file in "${files[@]}"; do
    dir=$(dirname "$file")
    while IFS= read -r target; do
        case $target in
            http://* | https://* | mailto:*) continue ;;
        esac
        path=${target%%#*}
        anchor=
        [ "$path" != "$target" ] && anchor=${target#*#}
        if [ -z "$path" ]; then
            resolved=$file
        else
            resolved=$dir/$path
        fi
        problem=
        if [ ! -e "$resolved" ]; then
            problem="no such file or folder"
        elif [ -n "$anchor" ]; then
            if [ "${resolved##*.}" != md ]; then
                problem="an anchor into a file that is not Markdown"
            elif ! grep -qxF -- "$anchor" <<<"$(anchors "$resolved")"; then
                problem="no heading #$anchor in $resolved"
            fi
        fi
        if [ -n "$problem" ]; then
            echo "FAIL $file: ($target): $problem"
            failed=$((failed + 1))
        else
            passed=$((passed + 1))
        fi
    done < <(links "$file")
done

echo "${#files[@]} Markdown files checked"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
