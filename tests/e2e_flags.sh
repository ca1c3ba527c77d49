#!/usr/bin/env bash
# tests/e2e_flags.sh -- the flag table (cli/flagtab.c) end to end: for `rectic run`, `fit ridge`, `fit rls`,
# `emit` and `check`, the exact message of an unknown flag, of a flag without its value and of a flag the
# command does not take (exit status 1, nothing written); and each command's --help lists exactly the flags it
# takes: every flag of its --help is taken, every flag of another command's --help that its own lacks is
# refused as "FLAG: only `rectic ...` take(s) it".
#
#   RECTIC_BUILD=build ./tests/e2e_flags.sh      (make test runs it)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
# shellcheck source=tests/sh_env.sh
. tests/sh_env.sh

LI=neuron_model_templates.rate_neurons.leaky_integrator.tanh
CMDS=("run" "fit ridge" "fit rls" "emit" "check")

# exact CMD EXPECTED ARGS...: `rectic CMD LI ARGS` (in a fresh folder) exits with status 1, prints exactly the
# line EXPECTED on stderr and nothing on stdout, and leaves the folder empty.
exact() {
    local cmd=$1 want=$2 rc
    shift 2
    fresh
    # shellcheck disable=SC2086  # CMD is one or two words
    "$RECTIC" $cmd "$LI" "$@" >../o.$$ 2>../e.$$
    rc=$?
    [ $rc = 1 ] || fail "rectic $cmd $*: exit status $rc, expected 1 ($(head -c 300 ../e.$$))"
    [ "$(cat ../e.$$)" = "$want" ] || fail "rectic $cmd $*: printed '$(head -c 400 ../e.$$)', expected '$want'"
    [ ! -s ../o.$$ ] || fail "rectic $cmd $*: printed on stdout: $(head -c 200 ../o.$$)"
    [ -z "$(ls -A)" ] || fail "rectic $cmd $*: wrote $(ls -A)"
    rm -f ../o.$$ ../e.$$
}

test_unknown_flag_is_named_by_every_command() {
    local c
    for c in "${CMDS[@]}"; do
        exact "$c" "rectic: unknown option '--bogus' (see --help)" --dt 0.1 --bogus
        exact "$c" "rectic: unknown option '--bogus' (see --help)" --bogus=3
        exact "$c" "rectic: unknown option '-x' (see --help)" -x
    done
}

test_flag_without_its_value_is_named_by_every_command() {
    local c
    for c in "${CMDS[@]}"; do
        exact "$c" "rectic: --dt: expected a value after it" --dt
        exact "$c" "rectic: --template-path: expected a value after it" --template-path
    done
    exact run "rectic: --steps: expected a value after it" --steps
    exact run "rectic: --neurons: expected a value after it" --neurons
    exact "fit ridge" "rectic: --targets: expected a value after it" --targets
    exact "fit ridge" "rectic: --washout: expected a value after it" --washout
    exact "fit rls" "rectic: --beta: expected a value after it" --beta
    exact "fit rls" "rectic: --save-state: expected a value after it" --save-state
    exact emit "rectic: --project: expected a value after it" --project
    exact check "rectic: --op: expected a value after it" --op
}

test_flag_a_command_does_not_take_is_refused_naming_who_takes_it() {
    exact run "rectic: --alpha: only \`rectic fit ridge\` and \`rectic fit rls\` take it (it sets up the fit of a readout)" \
        --alpha 1
    exact run "rectic: --standalone: only \`rectic emit\` takes it" --standalone
    exact run "rectic: --beta: only \`rectic fit rls\` takes it (it sets up the online training of a readout)" --beta 0.5
    exact "fit ridge" "rectic: --readout-weights: only \`rectic run\` and \`rectic fit rls\` take it (\`rectic fit ridge\` \
computes the readout; test it with \`rectic run ... --readout-weights readout.csv\`)" --readout-weights w.csv
    exact "fit ridge" "rectic: --train-steps: only \`rectic fit rls\` takes it (it sets up the online training of a \
readout)" --train-steps 5
    exact "fit rls" "rectic: --washout: only \`rectic fit ridge\` takes it (it leaves steps out of the fit; fit rls trains \
on the steps before --train-steps T1)" --washout 5
    exact "fit rls" "rectic: --readout-activation: only \`rectic run\` takes it (it is the activation of a readout \
given: fit ridge and fit rls compute a linear readout)" --readout-activation tanh
    exact "fit rls" "rectic: --project: only \`rectic emit\` takes it" --project p
    exact emit "rectic: --save-state: only \`rectic run\` and \`rectic fit\` take it" --save-state s.npz
    exact emit "rectic: --bias: only \`rectic fit ridge\` takes it (it fits an intercept; fit rls trains a readout without \
one)" --bias
    exact check "rectic: --steps: only \`rectic run\`, \`rectic fit\` and \`rectic emit\` take it" --steps 5
    exact check "rectic: --neurons: only \`rectic run\`, \`rectic fit\` and \`rectic emit\` take it" --neurons=4
    # refused before its value is looked for
    exact check "rectic: --weights: only \`rectic run\`, \`rectic fit\` and \`rectic emit\` take it" --weights
}

test_switch_given_a_value_is_refused() {
    exact run "rectic: --quiet: takes no value, got 'yes'" --quiet=yes
    exact emit "rectic: --standalone: takes no value, got '1'" --standalone=1
}

# flags_of_help CMD: the flags (and their other spellings) that `rectic CMD --help` lists, one a line.
flags_of_help() {
    # shellcheck disable=SC2086
    "$RECTIC" $1 --help | grep -oE -- '^  (-[a-zA-Z], )?--?[a-zA-Z][a-z-]*' | tr -d ' ' | tr ',' '\n' | sort -u
}

test_help_of_each_command_lists_exactly_the_flags_it_takes() {
    local c f all="" mine out wrong="" n=0
    fresh
    for c in "${CMDS[@]}"; do
        all+="$(flags_of_help "$c")"$'\n'
    done
    all=$(printf '%s' "$all" | sort -u)
    [ "$(printf '%s\n' "$all" | wc -l)" -gt 60 ] || fail "the helps list only: $all"
    for c in "${CMDS[@]}"; do
        mine=$(flags_of_help "$c")
        for f in $all; do
            [ "$f" = -h ] || [ "$f" = --help ] && continue
            # shellcheck disable=SC2086
            out=$("$RECTIC" $c nosuch.template "$f" 1 2>&1 >/dev/null)
            n=$((n + 1))
            if printf '%s\n' "$mine" | grep -qxF -- "$f"; then
                case $out in
                "rectic: unknown option"* | "rectic: $f: only \`rectic"*) wrong+=" [$c: $f listed, refused: $out]" ;;
                esac
            else
                case $out in
                "rectic: $f: only \`rectic"*) ;;
                *) wrong+=" [$c: $f not listed, taken: $out]" ;;
                esac
            fi
        done
    done
    [ -z "$wrong" ] || fail "$wrong"
    [ $n -gt 250 ] || fail "only $n flags tried"
}

test_help_of_check_lists_only_its_own_flags() {
    [ "$(flags_of_help check | tr '\n' ' ')" = "--dt --help --op --template-path -h " ] ||
        fail "check --help lists: $(flags_of_help check | tr '\n' ' ')"
}

test_library_names_in_messages_become_flags() {
    fresh
    "$RECTIC" run "$LI" -N 2 --steps 3 --output-var nosuch -q >o.txt 2>e.txt && fail "exit status 0"
    grep -q '^rectic: --output-var' e.txt || fail "$(cat e.txt)"
    ! grep -q 'spec\.' e.txt || fail "a spec field in: $(cat e.txt)"
}

run_tests
