#!/usr/bin/env bash
# Property test of the bitemporal overlay: seeded random sequences of
# add / modify / delete / modrdn, each with a random validity period (past,
# spanning now, future; future boundaries days ahead so no activation fires),
# go both to slapd and to a reference model of the contract
# (tests/integration/prop/model.py).  Every operation must succeed or fail
# as the model says; then as-of subtree searches at many (validAt, knownAt)
# pairs -- knownAt at checkpoints between batches, each batch in later
# seconds than the last checkpoint -- and the live DIT must equal the model.
#
# MODIR_SEED=N runs one given seed; MODIR_LONG=1 runs many more ops/seeds.
. "$(dirname "$0")/../lib.sh"

MODEL=$(dirname "$0")/prop/model.py
if [ -n "${MODIR_LONG:-}" ]; then
  NSEEDS=${MODIR_SEEDS:-12}; BATCHES=8; OPS=25
else
  NSEEDS=${MODIR_SEEDS:-3}; BATCHES=5; OPS=10
fi
if [ -n "${MODIR_SEED:-}" ]; then
  SEEDS=("$MODIR_SEED")
else
  first=$(( $(date +%s) % 100000 ))
  SEEDS=(); for i in $(seq 0 $((NSEEDS-1))); do SEEDS+=($((first + i))); done
fi
diag "seeds: ${SEEDS[*]} (rerun one with MODIR_SEED=N)"

tot_ops=0 tot_probes=0 bad_seeds=()
for seed in "${SEEDS[@]}"; do
  D=$T_DIR/s$seed
  write_conf "$D" "overlay bitemporal"
  if ! start_slapd "$D"; then not_ok "seed $seed: slapd starts"; continue; fi
  if ! ladd -e "$(valid validFrom=20000101000000Z)" -f <(base_ldif) >/dev/null 2>&1; then
    not_ok "seed $seed: base entries load with validFrom=2000"; stop_slapd "$D/slapd.pid"; continue
  fi
  "$PY" "$MODEL" --uri "$URI" --base "ou=people,$SUFFIX" --binddn "$ROOTDN" --pw "$ROOTPW" \
    --seed "$seed" --batches "$BATCHES" --ops "$OPS" >"$D/model.out" 2>&1
  rc=$?
  # per-failure lines become "not ok" (capped by the model), the rest diag
  while IFS= read -r line; do
    case $line in
      FAIL\ *) not_ok "${line#FAIL }" ;;
      STAT\ *) diag "${line#STAT }" ;;
      *) echo "# $line" ;;
    esac
  done < "$D/model.out"
  stat=$(grep '^STAT ' "$D/model.out")
  if [ -z "$stat" ]; then
    not_ok "seed $seed: model driver ran to the end (rc=$rc)"
    tail -20 "$D/model.out" | sed 's/^/#   /'
    bad_seeds+=("$seed")
  elif [ "$rc" -ne 0 ]; then
    bad_seeds+=("$seed")
  fi
  o=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' <<<"$stat"); p=$(sed -n 's/.* probes=\([0-9]*\).*/\1/p' <<<"$stat")
  tot_ops=$((tot_ops + ${o:-0})); tot_probes=$((tot_probes + ${p:-0}))
  if kill -0 "$(cat "$D/slapd.pid" 2>/dev/null)" 2>/dev/null; then
    ok "seed $seed: slapd still running after the sequence"
  else
    not_ok "seed $seed: slapd died"; tail -20 "$D/slapd.log" | sed 's/^/#   /'
  fi
  stop_slapd "$D/slapd.pid"
done

if [ ${#bad_seeds[@]} -eq 0 ]; then
  ok "all seeds agree with the model ($tot_ops operations, $tot_probes as-of probes)"
else
  not_ok "seeds disagreeing with the model: ${bad_seeds[*]}"
fi
[ "$tot_ops" -gt 0 ] && [ "$tot_probes" -gt 0 ] && ok "operations and probes were run" || not_ok "operations and probes were run"
finish
