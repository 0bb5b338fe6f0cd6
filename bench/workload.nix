# bench/workload.nix: the benchmark workload W(M,K) for NixOS's lib.evalModules, the same work
# bench/gen_workload writes as a cairn host (spec: issue 2; expected output:
# bench/workload_expected.py M K).
#
#   NIXPKGS_LIB=/path/to/nixpkgs/lib nix-instantiate --eval --strict --json \
#     -E 'import ./bench/workload.nix { M = 400; K = 50; }'
#   nix-instantiate --eval --strict --json \
#     -E 'import ./bench/workload.nix { M = 20; K = 10; lib = import <nixpkgs/lib>; }'
#
# prints `config` (top-level keys m0..m{M-1}). Only builtins and lib's evalModules, mkOption,
# mkIf, mkMerge and types are used.
{
  M,
  K,
  lib ? import (/. + builtins.getEnv "NIXPKGS_LIB"),
}:
let
  inherit (lib) mkOption mkIf mkMerge types;
  mod = a: b: a - (a / b) * b;
  kind = j: builtins.elemAt [ "int" "bool" "str" "list" "attrs" ] (mod j 5);
  js = builtins.genList (j: j) K;
  moduleName = i: "m${toString i}";
  optionName = j: "o${toString j}";
  # { o<j> = f j; } for the options j of the given kind.
  each = k: f:
    builtins.listToAttrs (
      map (j: { name = optionName j; value = f j; }) (builtins.filter (j: kind j == k) js)
    );

  declaration = j:
    let k = kind j; in
    if k == "int" then mkOption { type = types.int; default = j; }
    else if k == "bool" then mkOption { type = types.bool; default = false; }
    else if k == "str" then mkOption { type = types.str; default = "v${toString j}"; }
    else if k == "list" then mkOption { type = types.listOf types.str; default = [ ]; }
    else mkOption { type = types.attrsOf types.int; default = { }; };

  # Module i: its options, then its definitions for neighbours n = 0, 1, 2 and its own bools.
  module = i: { config, ... }: {
    key = moduleName i;
    options.${moduleName i} = builtins.listToAttrs (
      map (j: { name = optionName j; value = declaration j; }) js
    );
    config = mkMerge (
      builtins.genList (n:
        let
          t = mod (i + builtins.elemAt [ 1 7 13 ] n) M;
          own = config.${moduleName i};
        in {
          ${moduleName t} =
            each "list" (j: [ "from${toString i}" ])
            // each "attrs" (j: { "k${toString i}" = i; })
            // (if n == 0 then
                  each "int" (j: i + j)
                  // each "str" (j: mkIf own.${optionName (5 * (j / 5) + 1)} "on${toString i}")
                else { });
        }) 3
      ++ (if mod i 2 == 0 then [ { ${moduleName i} = each "bool" (j: true); } ] else [ ])
    );
  };

  host = { imports = builtins.genList module M; };
in
(lib.evalModules { modules = [ host ]; }).config
