# Sourced by the controller analyses' run.sh scripts (analyses/{phase_transition,lr_spike,
# spike_clipping,temperature,controller}/run.sh). Sets:
#   quick   1 with --quick (the ctest smoke sizes), else 0
#   study   the controller_study executable: $CONTROLLER_STUDY, or built in $BUILD_DIR
#           (default build) with cmake
#   out     $OUT/<analysis> (OUT defaults to reports/controller; -quick appended in quick mode)
#   run     a function: run LOG ARGS... runs controller_study niced, stderr to LOG and tee'd
# OpenBLAS (Debian's libopenblas0-serial) is put first on LD_LIBRARY_PATH for these runs only,
# as analyses/grokking/run.sh does: the reference BLAS makes libtorch's products ~6x slower.
analysis=$1; shift
quick=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    *) echo "usage: run.sh [--quick]" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
if [ -z "${CONTROLLER_STUDY:-}" ]; then
  build=${BUILD_DIR:-build}
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSOFTCHECK_BUILD_ANALYSES=ON > /dev/null
  cmake --build "$build" -j2 --target controller_study > /dev/null
  study=$build/analyses/controller/controller_study
else
  study=$CONTROLLER_STUDY
fi
out=${OUT:-reports/controller}/$analysis
[ "$quick" = 1 ] && out=$out-quick
mkdir -p "$out"
openblas=/usr/lib/x86_64-linux-gnu/openblas-serial
if [ -e "$openblas/libblas.so.3" ]; then
  export LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
  echo "run.sh: OpenBLAS not found (apt-get install libopenblas0-serial); the reference BLAS is slow" >&2
fi
run() {
  local log=$1; shift
  echo "run.sh: controller_study $*" >&2
  nice -n 10 "$study" --threads 1 "$@" 2> >(tee "$log" >&2)
}
