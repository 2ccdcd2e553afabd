# Building, starting and stopping Blend's services on loopback, shared by scripts/demo and
# scripts/chaos (sourced after common.sh from the repository root, not run).
#
#   build_blend WHAT TARGET…  scripts/setup, configure build/ if needed, build the targets
#                             (log build/WHAT-build.log, a "build: n/N steps" line every 15 s;
#                             BLEND_JOBS jobs, default 2)
#   pick_port VAR DEFAULT     the well-known port when free, else any free one (SVC_ANY_PORTS=1:
#                             always a free one); never the same port twice in one script
#   svc_start NAME PORT CMD…  run CMD in the background, output to $SVC_LOG_DIR/NAME.log;
#                             PORT serves /readyz ("" = none); the command is kept for restarts
#   svc_restart NAME          run NAME's command again (its log is appended to)
#   svc_wait_ready NAME       wait until NAME's /readyz answers 200 (dies after 60 s or on exit)
#   svc_ready NAME, svc_alive NAME   one probe each
#   stop_pids PID…            SIGTERM, then SIGKILL after 15 s
#   svc_stop_all              stop every service started here (current processes)
#   dial_check_args ON HOOK   the dial-time check (docs/dial-time-check.md): sets SIM_DIAL_CHECK
#                             (genesys-sim's --precall-* flags, pointing its pre-call rule at
#                             the dialer's http://127.0.0.1:HOOK/v1/dial-check) and
#                             DIALER_DIAL_CHECK (the dialer's matching --dial-check-* flags);
#                             ON=0: no pre-call rule, the dialer serves no check
# State: SVC_NAMES (in start order), SVC_PID[name], SVC_PORT[name].

build_blend() {
  local what=$1
  shift
  "$here/setup"
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  if [ ! -f build/build.ninja ]; then
    log "build: configuring build/"
    cmake -S . -B build -G Ninja -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
          -DCMAKE_BUILD_TYPE=RelWithDebInfo >build.configure.log 2>&1 \
      || { cat build.configure.log >&2; die "cmake configure failed"; }
  fi
  log "build: $* (first run: several minutes; compiler output in build/$what-build.log)"
  NINJA_STATUS='[%f/%t] ' ninja -C build -j"${BLEND_JOBS:-2}" "$@" 2>&1 | build_progress "build/$what-build.log" \
    || { tail -40 "build/$what-build.log" >&2; die "build failed (build/$what-build.log)"; }
}

# build_progress LOG: Ninja's output (stdin) goes to LOG; its [done/total] lines become one
# "build: n/N steps" line every 15 s, so a long first build never looks hung. Returns
# Ninja's status (the first command of the pipe) under pipefail.
build_progress() {
  local line last=-15 n=0 total=0 shown=0
  : >"$1"
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$1"
    [[ $line =~ ^\[([1-9][0-9]*)/([0-9]+)\] ]] || continue
    n=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
    if (( SECONDS - last >= 15 )); then
      log "build: $n/$total steps"
      last=$SECONDS shown=$n
    fi
  done
  if (( n != shown )); then log "build: $n/$total steps"; fi
}

SVC_LOG_DIR=${SVC_LOG_DIR:-.}
SVC_NAMES=()
declare -A SVC_PID SVC_PORT SVC_CMD
svc_chosen=" "

pick_port() {  # pick_port VAR DEFAULT
  local p=$2
  # A just-released port can come back from the kernel: never hand out the same one twice.
  if [ "${SVC_ANY_PORTS:-0}" = 1 ] || port_open "$p" || [[ "$svc_chosen" == *" $p "* ]]; then
    p=$(free_port)
    while [[ "$svc_chosen" == *" $p "* ]]; do p=$(free_port); done
  fi
  svc_chosen+="$p "
  printf -v "$1" '%s' "$p"
}

svc_launch() {  # svc_launch NAME: run the recorded command, appending to the log
  local name=$1
  # exec: $! must be the service itself, not a subshell around it (SIGKILL goes to $!).
  eval "exec ${SVC_CMD[$name]}" >>"$SVC_LOG_DIR/$name.log" 2>&1 &
  SVC_PID[$name]=$!
}

svc_start() {  # svc_start NAME PORT CMD...
  local name=$1 port=$2
  shift 2
  SVC_NAMES+=("$name")
  SVC_PORT[$name]=$port
  SVC_CMD[$name]=$(printf '%q ' "$@")
  : >"$SVC_LOG_DIR/$name.log"
  svc_launch "$name"
}

svc_restart() { svc_launch "$1"; }

svc_alive() {  # a zombie (killed, not reaped yet) does not count
  local pid=${SVC_PID[$1]} state=""
  [ -r "/proc/$pid/stat" ] || return 1
  read -r _ _ state _ <"/proc/$pid/stat" 2>/dev/null || return 1
  [ "$state" != Z ]
}

svc_ready() { curl -sf --max-time 2 "http://127.0.0.1:${SVC_PORT[$1]}/readyz" >/dev/null 2>&1; }

svc_wait_ready() {
  local name=$1
  for _ in $(seq 1 240); do
    svc_ready "$name" && return 0
    svc_alive "$name" || break
    sleep 0.25
  done
  tail -20 "$SVC_LOG_DIR/$name.log" >&2
  die "$name did not become ready (log: $SVC_LOG_DIR/$name.log)"
}

stop_pids() {  # SIGTERM, then SIGKILL after 15 s
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 60); do
    local alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.25
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}

svc_pids() {  # the current process of every service started here
  local name
  for name in "${SVC_NAMES[@]}"; do echo "${SVC_PID[$name]}"; done
}

svc_stop_all() {
  [ ${#SVC_NAMES[@]} -gt 0 ] || return 0
  # shellcheck disable=SC2046
  stop_pids $(svc_pids)
}

# Loopback demo credentials of the pre-call data action (Basic auth), not a secret.
DIAL_CHECK_USER=blend-precall
DIAL_CHECK_PASSWORD=blend-precall-demo

dial_check_args() {  # dial_check_args ON HOOK_PORT
  if [ "$1" = 1 ]; then
    SIM_DIAL_CHECK=(--precall-url "http://127.0.0.1:$2/v1/dial-check"
                    --precall-user "$DIAL_CHECK_USER" --precall-password "$DIAL_CHECK_PASSWORD")
    DIALER_DIAL_CHECK=(--dial-check-user "$DIAL_CHECK_USER"
                       --dial-check-password "$DIAL_CHECK_PASSWORD")
  else
    SIM_DIAL_CHECK=()
    DIALER_DIAL_CHECK=(--dial-check=false)
  fi
}
