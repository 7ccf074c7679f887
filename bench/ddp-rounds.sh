#!/usr/bin/env bash
# Alternates the two ways of spending 2 cores on GRPO (bench/ddp.ts): 1 process × 2 threads and 2 processes ×
# 1 thread (data parallel over Gloo on 127.0.0.1), in rounds whose order flips each round, and records the machine's
# load (uptime) with every run — this machine is shared, so only rounds measured side by side compare.
# Usage: bash bench/ddp-rounds.sh [rounds] [iterations] [lora] > results.jsonl   (needs `npx tsc` first)
set -euo pipefail
rounds=${1:-4}
iterations=${2:-3}
lora=${3:-full}
cd "$(dirname "$0")/.."

run_single() {
  REFRACT_THREADS=2 node dist/bench/ddp.js "$iterations" "$lora"
}

run_ranks() {
  local port
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  REFRACT_THREADS=1 RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port node dist/bench/ddp.js "$iterations" "$lora" &
  local follower=$!
  REFRACT_THREADS=1 RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port node dist/bench/ddp.js "$iterations" "$lora"
  wait "$follower"
}

for ((r = 1; r <= rounds; r++)); do
  if ((r % 2 == 1)); then order=(single ranks); else order=(ranks single); fi
  for setting in "${order[@]}"; do
    load=$(uptime | sed 's/.*load average: //')
    line=$("run_$setting")
    printf '{"round":%d,"setting":"%s","loadBefore":"%s",%s\n' "$r" "$setting" "$load" "${line#\{}"
  done
done
