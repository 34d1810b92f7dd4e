# shellcheck shell=bash
# plugin.sh: DevStack's entry point into the GIMinG plugin, sourced as `plugin.sh <mode> [phase]`
# (https://docs.openstack.org/devstack/latest/plugins.html).

# shellcheck source=devstack/lib/gimming
source "$(dirname "${BASH_SOURCE[0]}")/lib/gimming"

if is_service_enabled gimming; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing GIMinG"
        install_gimming

    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        # Keystone, the database and RabbitMQ are up by now.
        echo_summary "Configuring GIMinG"
        configure_gimming
        if is_service_enabled gimming-api; then
            create_gimming_accounts
        fi
        if is_service_enabled gimming-conductor; then
            echo_summary "Creating the GIMinG database"
            init_gimming
        fi

    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        # After Glance started: the clouds registered now have an image endpoint.
        echo_summary "Starting GIMinG"
        start_gimming
        if is_service_enabled gimming-api; then
            if [[ "$GIMMING_REGISTER_CLOUDS" == "True" ]]; then
                echo_summary "Registering the Glance regions as GIMinG clouds"
                register_gimming_clouds
            fi
            write_gimming_clouds_yaml
        fi
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_gimming
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_gimming
    fi
fi
