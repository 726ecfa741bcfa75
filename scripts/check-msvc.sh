#!/usr/bin/env bash
# The driver's sources as MSVC with the WDK sees them, as far as Linux can check: every kernel-mode
# source (driver/host, driver/control, driver/ddi through them, the test miniport and each of its
# broken variants, the minimal miniport) compiled syntax-only by clang in MSVC mode (clang-cl,
# x86_64-pc-windows-msvc: _MSC_VER set, MSVC's C dialect and layout rules) with the WDK build's own
# definitions, options and force-included headers (read from driver/cmake/mh_harness.cmake by
# check-msvc/wdk-flags.cmake, so the check follows that build), its /W4 /WX, and these warnings
# closest to what /W4 reports in C (all errors, as /WX makes them):
#
#   C4204 non-constant aggregate initializer  -Wc99-extensions under -std=gnu89 (MSVC's default C is
#                                             C89 with extensions; clang reports C4204's case there)
#   C4200 zero-sized or flexible array        -Wpedantic (-Wzero-length-array), -Wc99-extensions
#   C4245 / C4018 signed-unsigned             -Wsign-conversion, -Wsign-compare (stricter than C4245:
#                                             any implicit change of signedness, not only constants)
#   C4267 / C4244 possible loss of data       -Wshorten-64-to-32, -Wconversion
#   C4996 deprecated                          -Wdeprecated-declarations, with the pool routines the
#                                             WDK deprecates marked so (check-msvc/include/wdm.h)
#   C4100 / C4189 unreferenced                -Wunused-parameter, -Wunused-variable (/W4: -Wall -Wextra)
#   C4201 and other nonstandard C             -Wpedantic (anonymous unions: -Wc11-extensions) and
#                                             -Wgnu (statement expressions, ...): what MSVC's C lacks
#   missing initializers                      -Wmissing-field-initializers
#
# Not errors, because MSVC's default C accepts them silently: `long long`, variadic macros and
# designated initializers (-Wno-long-long -Wno-variadic-macros -Wno-c99-designator), multi-character
# constants (pool tags, -Wno-multichar), and the C99 features clang files under -Wc99-extensions
# besides C4204 and C4200 (a declaration in a for statement, compound literals): those print as
# warnings and do not fail the check.
#
# Headers: MinGW-w64's DDK headers (what the Wine-lane build uses) as system headers, behind the
# check's own stand-ins (check-msvc/include: dispmprt.h, which takes the project's declarations in
# driver/ddi/mh_ddi_decls.h, and wdm.h, which marks the deprecated pool routines). Microsoft's
# headers are never used. MinGW's headers need __GNUC__, so it is defined; a driver source that
# tests __GNUC__, __clang__ or __MINGW*__ would be checked on a branch MSVC never takes, so that
# fails the check too. What only a real WDK build on Windows shows: docs/install.md.
#
# Usage: check-msvc.sh [--result FILE] [--prove] [--driver DIR] [--only UNIT]
#   --result FILE  also write the result file scripts/lib/summary.mjs merges (npm test does)
#   --prove        then break the sources on purpose in scratch copies (build/check-msvc/), one
#                  way each (a C4204 initializer, a signed-to-unsigned conversion, the signed
#                  device type, a deprecated pool routine), and require each to fail the check
#                  with its file and line
#   --driver DIR   check that copy of driver/ (the proofs use it); --only UNIT one unit of it
# Exit status: 0 when everything passed, 1 when something failed, 2 for a usage error.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"
source "$MH_ROOT/scripts/lib/apt.sh"
cd "$MH_ROOT"

result="" prove=0 driver="$MH_ROOT/driver" only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --result) result=${2:?--result needs a file}; shift 2 ;;
    --prove) prove=1; shift ;;
    --driver) driver=$(cd "${2:?--driver needs a folder}" && pwd); shift 2 ;;
    --only) only=${2:?--only needs a unit}; shift 2 ;;
    *) printf 'usage: check-msvc.sh [--result FILE] [--prove] [--driver DIR] [--only UNIT]\n' >&2; exit 2 ;;
  esac
done

# Until the check has run, its result says it did not finish.
if [ -n "$result" ]; then
  mkdir -p "$(dirname "$result")"
  printf '{ "source": "msvc-check", "passed": 0, "failures": [ { "kind": "incomplete", "name": "msvc check", "message": "scripts/check-msvc.sh did not finish" } ] }\n' > "$result"
fi

# clang (Debian's) and MinGW-w64's headers; installed only when missing.
mh_apt_ensure clang mingw-w64-x86-64-dev cmake
mingw_include=/usr/x86_64-w64-mingw32/include
[ -f "$mingw_include/ddk/ntddk.h" ] || mh_die "MinGW-w64's DDK headers are not in $mingw_include"
stand_ins="$MH_ROOT/scripts/check-msvc/include"

passed=0 units_run=0
failures=()
compiled=()       # every source a unit compiled (driver/<file>)
json_string() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' -- "$1"; }
pass() { passed=$((passed + 1)); printf 'ok - msvc check: %s\n' "$1"; }
# fail NAME MESSAGE [SHOWN]: SHOWN (default MESSAGE) is what is printed before the "not ok" line.
fail() {
  printf '%s\nnot ok - msvc check: %s\n' "${3-$2}" "$1"
  failures+=("{ \"kind\": \"msvc check\", \"name\": $(json_string "$1"), \"message\": $(json_string "$2") }")
}

# The WDK build's settings, per target kind (kernel: the layers; miniport: a hosted miniport).
wdk_flags=$(cmake -DDRIVER_DIR="$driver" -P scripts/check-msvc/wdk-flags.cmake) \
  || mh_die "reading the WDK build's options from driver/cmake/mh_harness.cmake failed"
flags_for() {
  local kind=$1 setting value
  while read -r target setting value; do
    [ "$target" = "$kind" ] || continue
    case "$setting:$value" in
      define:*) printf '%s\n' "/D$value" ;;
      include:"<wdk>"*) ;;                            # the WDK's: the check's system headers stand in
      include:*) printf '%s\n' "/I$value" ;;
      option:/kernel) printf '%s\n' "/D_KERNEL_MODE=1" ;;   # what cl defines for /kernel (clang-cl 14 lacks it)
      option:*) printf '%s\n' "$value" ;;             # one clang-cl does not know fails under /WX
    esac
  done <<< "$wdk_flags"
}
mapfile -t kernel_flags < <(flags_for kernel)
mapfile -t miniport_flags < <(flags_for miniport)
[ "${#kernel_flags[@]}" -gt 0 ] && [ "${#miniport_flags[@]}" -gt 0 ] \
  || mh_die "driver/cmake/mh_harness.cmake gave the WDK build no options (mh_kernel_target / mh_miniport_library changed?)"

# clang-cl as MSVC 19.33 (Visual Studio 2022 17.3, the compiler of WDK 10.0.22621), in MSVC's
# default C (C89 rules plus extensions, no __STDC_VERSION__); MinGW's headers before clang's own
# (its intrin.h matches MinGW's declarations), all three as system headers.
check_flags=(
  --driver-mode=cl --target=x86_64-pc-windows-msvc -fms-compatibility-version=19.33 /Zs /TC /X
  /clang:-std=gnu89 /clang:-fgnuc-version=4.2.1 /clang:-ferror-limit=0
  "/clang:-isystem$stand_ins" "/clang:-isystem$mingw_include/ddk" "/clang:-isystem$mingw_include"
  "/DMHC_DDI_DECLS=\"$driver/ddi/mh_ddi_decls.h\""
  -Wsign-conversion -Wsign-compare -Wshorten-64-to-32 -Wconversion -Wdeprecated-declarations
  -Wmissing-field-initializers -Wpedantic -Wgnu -Wc99-extensions -Wno-error=c99-extensions
  -Wno-long-long -Wno-variadic-macros -Wno-c99-designator -Wno-multichar
)
# The C99 features clang reports under -Wc99-extensions that MSVC's /W4 reports too (C4204, and
# C4200 for a flexible array member): these fail the check; the others only warn.
c4204='initializer for aggregate is not a compile-time constant'
c4200='flexible array members are a C99 feature'

# unit NAME KIND INCLUDE-DIRS SOURCES [DEFINES...]: one clang run over a layer's (or variant's)
# sources (patterns relative to driver/), from driver/'s parent so that diagnostics read
# driver/<file>(<line>,<column>).
unit() {
  local name=$1 kind=$2 includes=$3 sources=$4; shift 4
  [ -z "$only" ] || [ "$only" = "$name" ] || return 0
  units_run=$((units_run + 1))
  local root parent files=() args=() dir define status=0 output pattern
  root=$(basename "$driver") parent=$(dirname "$driver")
  for pattern in $sources; do
    mapfile -t -O "${#files[@]}" files < <(cd "$parent" && compgen -G "$root/$pattern" | sort)
  done
  if [ "${#files[@]}" -eq 0 ]; then
    fail "$name" "no sources match $root/$sources"
    return 0
  fi
  compiled+=("${files[@]}")
  for dir in $includes; do args+=("/I$root/$dir"); done
  for define in "$@"; do args+=("/D$define"); done
  if [ "$kind" = miniport ]; then args+=("${miniport_flags[@]}"); else args+=("${kernel_flags[@]}"); fi
  output=$(cd "$parent" && clang "${check_flags[@]}" "${args[@]}" "${files[@]}" 2>&1) || status=$?
  output=$(sed "s/$c4204/& (C4204)/; s/$c4200/& (C4200)/" <<< "$output")
  if [ "$status" -ne 0 ] || grep -qE "$c4204|$c4200" <<< "$output"; then
    # The result file gets the diagnostics; the console the whole output (include chains, notes).
    fail "$name" "$(grep -E '\): (error|warning):|error:' <<< "$output" || printf '%s' "$output")" "$output"
  else
    pass "$name (${#files[@]} files)"
    [ -z "$output" ] || printf '%s\n' "$output"
  fi
}

# Units: the include directories are each layer's target's in driver/CMakeLists.txt.
unit host kernel "host host/api ddi include" 'host/*.c'
unit control kernel "control host/api ddi include" 'control/*.c'
unit mp_test miniport "miniport/test ddi include" 'miniport/test/*.c'
# A broken variant is the test miniport with one define (driver/CMakeLists.txt): only the sources
# that name it (or MP_BROKEN, which mp_variants.h derives from it) compile differently, unless a
# header uses it, and then all of them.
variant_sources() {
  if grep -rlwE "$1|MP_BROKEN" "$driver/miniport/test" "$driver/ddi" "$driver/include" --include='*.h' \
     | grep -qv '/mp_variants\.h$'; then
    printf 'miniport/test/*.c\n'
  else
    (cd "$driver" && grep -lwE "$1|MP_BROKEN" miniport/test/*.c || true)
  fi
}
for variant in $(grep -oE 'DEFINITIONS +MP_BREAK_[A-Z0-9_]+' "$driver/CMakeLists.txt" | awk '{ print $2 }'); do
  unit "mp_test $variant" miniport "miniport/test ddi include" "$(variant_sources "$variant")" "$variant"
done
unit mp_minimal miniport "" 'miniport/minimal/*.c'

if [ -n "$only" ] && [ "$units_run" -eq 0 ]; then
  fail "--only $only" "no unit is named $only"
fi
if [ -z "$only" ]; then
  # Every kernel-mode source was compiled by a unit above (exe/ and umd/ are user mode; cmake/
  # holds the layering probes, which must not compile).
  unchecked=$(cd "$(dirname "$driver")" && find "$(basename "$driver")" -name '*.c' \
    ! -path '*/exe/*' ! -path '*/umd/*' ! -path '*/cmake/*' | sort \
    | grep -vxF -f <(printf '%s\n' "${compiled[@]}") || true)
  if [ -n "$unchecked" ]; then
    fail "every kernel source checked" "compiled by no unit of scripts/check-msvc.sh: $(echo $unchecked)"
  else
    pass "every kernel source checked"
  fi
  # The check defines __GNUC__ for MinGW's headers: a branch on a GNU compiler would be checked
  # here on the side MSVC never takes.
  gnu_tests=$(cd "$(dirname "$driver")" && grep -nE '^[[:space:]]*#[[:space:]]*(if|elif|ifdef|ifndef).*(__GNUC__|__clang__|__MINGW32__|__MINGW64__)' \
    -r "$(basename "$driver")" --include='*.c' --include='*.h' --exclude-dir=exe --exclude-dir=umd || true)
  if [ -n "$gnu_tests" ]; then
    fail "no GNU-only branches" "test _MSC_VER instead (the check sees __GNUC__ for MinGW's headers): $gnu_tests"
  else
    pass "no GNU-only branches"
  fi
fi

# --prove: each way of breaking the sources must fail the check, naming the file and the line, and
# nothing else (so a proof whose own code is wrong cannot pass by accident).
# prove NAME UNIT FILE EXPECTED BREAKER [NAMED]: BREAKER edits FILE (relative to driver/) in a copy
# and prints the line the diagnostic must name; NAMED (a regular expression) stands for the file
# and line when the diagnostic lands elsewhere (a macro's uses).
prove() {
  local name=$1 unit_name=$2 file=$3 expected=$4 breaker=$5 named=${6:-}
  local copy="$MH_BUILD/check-msvc/$name" line status=0 output at
  rm -rf "$copy" && mkdir -p "$copy" && cp -a "$driver" "$copy/driver"
  if ! line=$("$breaker" "$copy/driver/$file"); then
    fail "proof: $name" "could not break driver/$file (has it changed?)"
    return 0
  fi
  at=$named
  [ -n "$at" ] || at="driver/$(sed 's/[.]/[.]/g' <<< "$file")[(]$line,[0-9]+[)]"
  output=$(bash "$MH_ROOT/scripts/check-msvc.sh" --driver "$copy/driver" --only "$unit_name" 2>&1) || status=$?
  # The break must fail the check there, and for nothing else (every diagnostic is the one expected).
  if [ "$status" -eq 1 ] && grep -qE "^not ok - msvc check: $unit_name\$" <<< "$output" \
     && grep -qE "^$at: (error|warning): .*$expected" <<< "$output" \
     && ! grep -E '^[^ ]+\([0-9]+,[0-9]+\): (error|warning): ' <<< "$output" | grep -qvE ": (error|warning): .*$expected"; then
    pass "proof: $name fails the check at $(grep -oE "^$at" <<< "$output" | head -n 1)"
  else
    fail "proof: $name" "expected exit 1 and \"$expected\" at $at; got exit $status: $(tail -n 5 <<< "$output")"
  fi
}
# Each breaker appends a function to a copy of a source and prints the line the check must name.
append() {
  printf '\n/* Broken on purpose by check-msvc.sh --prove. */\n%s\n' "$2" >> "$1"
  grep -nF "$3" "$1" | tail -n 1 | cut -d: -f1
}
break_c4204() {
  append "$1" 'BOOLEAN MhcBroken(PVOID First, PVOID Second);
BOOLEAN MhcBroken(PVOID First, PVOID Second)
{
    PVOID objects[2] = { First, Second };
    return (BOOLEAN)(objects[0] == objects[1]);
}' '{ First, Second }'
}
break_sign() {
  append "$1" 'ULONG MhcBroken(LONG Count);
ULONG MhcBroken(LONG Count)
{
    ULONG remaining = Count;
    return remaining;
}' 'ULONG remaining = Count;'
}
break_deprecated() {
  append "$1" "PVOID MhcBroken(SIZE_T Bytes);
PVOID MhcBroken(SIZE_T Bytes)
{
    return ExAllocatePoolWithTag(NonPagedPoolNx, Bytes, MH_TAG('M', 'h', 'c', 'k'));
}" 'return ExAllocatePoolWithTag('
}
# The WDK check's C4245: a signed device type makes every CTL_CODE a negative int.
break_device_type() {
  grep -q '^#define MH_DEVICE_TYPE 0xA15Cu$' "$1" || return 1
  sed -i 's/^#define MH_DEVICE_TYPE 0xA15Cu$/#define MH_DEVICE_TYPE 0xA15C/' "$1"
}

if [ "$prove" = 1 ] && [ -z "$only" ]; then
  prove c4204-initializer host host/mh_workers.c "$c4204" break_c4204
  prove signed-to-unsigned control control/mh_ioctl_ddi.c 'implicit conversion changes signedness' break_sign
  prove deprecated-pool-routine host host/mh_pool.c "'ExAllocatePoolWithTag' is deprecated" break_deprecated
  prove signed-device-type control include/miracast_hil_ioctl.h 'implicit conversion changes signedness' \
    break_device_type 'driver/control/[a-z_]+\.c\([0-9]+,[0-9]+\)'

fi

if [ -n "$result" ]; then
  {
    printf '{ "source": "msvc-check", "passed": %d, "failures": [' "$passed"
    (IFS=,; printf '%s' "${failures[*]:-}")
    printf '] }\n'
  } > "$result"
fi
printf 'msvc check: %d passed, %d failed\n' "$passed" "${#failures[@]}"
[ "${#failures[@]}" -eq 0 ]
