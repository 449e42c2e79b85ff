#!/usr/bin/env bash
# Coverage-guided fuzzing with AFL++ (classic afl-g++ instrumentation: Debian 12's
# afl-g++-fast plugin rejects its own gcc) and AddressSanitizer.
# Usage: scripts/fuzz.sh [SECONDS] [query|protocol]   (default 300 query)
#   query:    the query pipeline (parse, bind, run); seeds are the golden queries.
#   protocol: the client protocol's decoders (frames split at 0x00); seeds are requests.
# Findings land in build-afl/findings-TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-300}
TARGET=${2:-query}
case "$TARGET" in query|protocol) ;; *) echo "usage: scripts/fuzz.sh [SECONDS] [query|protocol]"; exit 2;; esac
if ! command -v afl-g++ >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq afl++ gcc-12-plugin-dev
fi
export AFL_USE_ASAN=1
if [ ! -f build-afl/CMakeCache.txt ]; then
  CC=afl-gcc CXX=afl-g++ cmake -S . -B build-afl -DFQL_FUZZ=ON -DFQL_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
else
  cmake build-afl >/dev/null  # picks up targets added since it was configured
fi
cmake --build build-afl -j2 --target "fql_${TARGET}_fuzzer"
rm -rf build-afl/seeds && mkdir -p build-afl/seeds
if [ "$TARGET" = query ]; then
  for f in tests/queries/*.fql; do
    grep -v '^//' "$f" | grep -v '^$' | while IFS= read -r line; do
      printf '%s\n' "$line" > "build-afl/seeds/$(basename "$f" .fql)-$RANDOM$RANDOM.fql"
    done
  done
else
  printf 'fqldb/1\x00q1\x00format=json\ntimeout_ms=500\x00Add(1, 2)' > build-afl/seeds/request
  printf 'fqldb/1\x00q2\x00stop_on_error=true\nexplain=false\ndatabase=a/b\x00' > build-afl/seeds/options
  printf 'fqldb/1\x00q3\x00result\x000\x00ok\x003\x00' > build-afl/seeds/reply
  printf 'fqldb/1\x00q4\x00done\x002\x001' > build-afl/seeds/done
fi
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
timeout --preserve-status "$SECONDS_TO_RUN" \
  afl-fuzz -i build-afl/seeds -o "build-afl/findings-$TARGET" -t 2000 -m none -- \
  "build-afl/bin/fql_${TARGET}_fuzzer" @@ || true
echo "crashes: $(ls "build-afl/findings-$TARGET/default/crashes" 2>/dev/null | grep -vc README || true)"
echo "hangs:   $(ls "build-afl/findings-$TARGET/default/hangs" 2>/dev/null | wc -l)"
