#!/bin/sh
# The official nginx image's template step, for the Debian stand-in: when the command is nginx,
# every $NGINX_ENVSUBST_TEMPLATE_DIR/**/*$NGINX_ENVSUBST_TEMPLATE_SUFFIX becomes the same path
# without the suffix under $NGINX_ENVSUBST_OUTPUT_DIR, with the placeholders of variables that are
# set in the environment filled in (envsubst is given their names, so nginx's own $variables stay
# as they are). NGINX_ENVSUBST_FILTER keeps only the names that match it.
set -eu

fill_templates() {
    template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
    suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
    output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
    filter=${NGINX_ENVSUBST_FILTER:-}
    [ -d "$template_dir" ] || return 0
    if [ ! -w "$output_dir" ]; then
        echo "$0: $template_dir exists, but $output_dir is not writable" >&2
        return 0
    fi
    # shellcheck disable=SC2016 # the literal ${NAME} that envsubst is told to replace
    defined_envs=$(awk -v filter="$filter" 'END { for (name in ENVIRON) if (name ~ filter) printf "${%s} ", name }' </dev/null)
    find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
        relative_path=${template#"$template_dir/"}
        output_path="$output_dir/${relative_path%"$suffix"}"
        mkdir -p "$(dirname "$output_path")"
        [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $template -> $output_path" >&2
        envsubst "$defined_envs" <"$template" >"$output_path"
    done
}

if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
    fill_templates
fi
exec "$@"
