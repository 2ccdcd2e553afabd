# Shared helpers for Blend's shell scripts (sourced, not run).
KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
BLEND_CACHE=${BLEND_CACHE:-$HOME/.cache/blend}
BLEND_KAFKA_HOME=${BLEND_KAFKA_HOME:-$BLEND_CACHE/kafka-$KAFKA_VERSION}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints a free TCP port on 127.0.0.1 (the kernel picks it; a tiny race is retried by callers).
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
