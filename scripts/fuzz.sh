#!/usr/bin/env bash
# Coverage-guided fuzzing of the query pipeline (parse, bind, run) with AFL++
# (classic afl-g++ instrumentation: Debian 12's afl-g++-fast plugin rejects its own gcc)
# and AddressSanitizer. Usage: scripts/fuzz.sh [SECONDS]   (default 300)
# Seeds are the golden queries, one per file. Findings land in build-afl/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-300}
if ! command -v afl-g++ >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq afl++ gcc-12-plugin-dev
fi
export AFL_USE_ASAN=1
if [ ! -f build-afl/CMakeCache.txt ]; then
  CC=afl-gcc CXX=afl-g++ cmake -S . -B build-afl -DFQL_FUZZ=ON -DFQL_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build-afl -j2 --target fql_query_fuzzer
rm -rf build-afl/seeds && mkdir -p build-afl/seeds
i=0
for f in tests/queries/*.fql; do
  grep -v '^//' "$f" | grep -v '^$' | while IFS= read -r line; do
    printf '%s\n' "$line" > "build-afl/seeds/$(basename "$f" .fql)-$RANDOM$RANDOM.fql"
  done
done
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
timeout --preserve-status "$SECONDS_TO_RUN" \
  afl-fuzz -i build-afl/seeds -o build-afl/findings -t 2000 -m none -- build-afl/bin/fql_query_fuzzer @@ || true
echo "crashes: $(ls build-afl/findings/default/crashes 2>/dev/null | grep -vc README || true)"
echo "hangs:   $(ls build-afl/findings/default/hangs 2>/dev/null | wc -l)"
