# Sourced by make_dmg.sh (and build/tests): retry ATTEMPTS COMMAND [ARGS...] runs COMMAND
# until it succeeds, at most ATTEMPTS times, sleeping RETRY_DELAY seconds (default 5,
# doubled after each failure) in between. hdiutil fails now and then on hosted runners
# with "Resource busy" while Spotlight or XProtect still looks at a fresh image.
retry() {
    local attempts=$1
    shift
    local delay=${RETRY_DELAY:-5} n=1
    until "$@"; do
        if ((n >= attempts)); then
            echo "retry: '$1' failed $n times, giving up" >&2
            return 1
        fi
        echo "retry: '$1' failed (attempt $n of $attempts), again in ${delay} s" >&2
        sleep "$delay"
        n=$((n + 1))
        delay=$((delay * 2))
    done
}
