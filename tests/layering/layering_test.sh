#!/usr/bin/env bash
# The layering rule of docs/architecture.md, checked on the sources: each product layer includes
# only the layers below it, and nothing in the product includes the lab.
#   layering_test.sh SOURCE_DIR
set -euo pipefail
cd "${1:?usage: layering_test.sh SOURCE_DIR}"
# layer: the folders it must not include (everything above it, and the lab; the widgets see
# the engine only through app's services)
declare -A forbidden=(
    [kernels]="cache engine app ui lab"
    [cache]="engine app ui lab"
    [engine]="app ui lab"
    [app]="ui lab"
    [ui]="engine cache kernels lab"
)
bad=0
for layer in "${!forbidden[@]}"; do
    for above in ${forbidden[$layer]}; do
        if hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"$above/" "$layer" \
                    --include='*.cpp' --include='*.h' --include='*.cu'); then
            echo "$layer includes $above (a layer above it, or the lab):"
            echo "$hits"
            bad=1
        fi
    done
done
# The product's build files never name a lab target.
if hits=$(grep -nE "ec_tiny_model|ec_eval|ec_reference_policies|ec_lab_doubles|ec_demo_" \
            kernels/CMakeLists.txt cache/CMakeLists.txt engine/CMakeLists.txt app/CMakeLists.txt \
            ui/CMakeLists.txt cmake/Packaging.cmake); then
    echo "a product target links the lab:"
    echo "$hits"
    bad=1
fi
[ "$bad" = 0 ] && echo "layering: every include points down, the product never names the lab"
exit "$bad"
