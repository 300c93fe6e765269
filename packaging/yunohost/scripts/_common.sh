# shellcheck shell=bash
# Shared by the zerda package's scripts, sourced before the YunoHost helpers
# (v2.1, the manifest's helpers_version): only definitions here. $app,
# $install_dir and $data_dir are settings YunoHost exports to every script.

# Starts zerda and waits for the line it logs once its port accepts
# connections (src/serve.rs): "listening on http://127.0.0.1:PORT".
zerda_start() {
    ynh_systemctl --service="${app:?}" --action=start --wait_until="listening on http://" --log_path=systemd
}

# Runs the zerda command line as the app's user, on the app's configuration.
zerda_cli() {
    ynh_exec_as_app "${install_dir:?}/zerda" --config "${install_dir:?}/config.toml" "$@"
}

# A zerda username for a YunoHost user name: zerda allows at most 30
# characters, lowercase a to z, digits and _ (src/domain/accounts.rs).
zerda_username() {
    local name
    name=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_' '_')
    printf '%s\n' "${name:0:30}"
}

# fail2ban reads zerda's journal (backend = systemd), there is no log file:
# the jail and the filter are installed with ynh_config_add, because
# ynh_config_add_fail2ban expects the jail to name a logpath and creates it.
zerda_add_fail2ban() {
    ynh_config_add --template="f2b_jail.conf" --destination="/etc/fail2ban/jail.d/${app:?}.conf"
    ynh_config_add --template="f2b_filter.conf" --destination="/etc/fail2ban/filter.d/${app:?}.conf"
    ynh_systemctl --service=fail2ban --action=reload --wait_until="(Started|Reloaded) Fail2Ban Service" --log_path=systemd
}

zerda_remove_fail2ban() {
    ynh_safe_rm "/etc/fail2ban/jail.d/${app:?}.conf"
    ynh_safe_rm "/etc/fail2ban/filter.d/${app:?}.conf"
    ynh_systemctl --service=fail2ban --action=reload
}

# Writes a consistent copy of the database to $1 (a path root can write),
# while zerda runs: `zerda backup` (SQLite VACUUM INTO, then an integrity
# check) runs as the app's user into a folder of the data directory, and the
# copy is then moved into place. Never copy the live zerda.db: recent writes
# may still be in zerda.db-wal.
zerda_backup_database() {
    local staging="${data_dir:?}/.ynh-backup"
    ynh_safe_rm "$staging"
    install -d -o "${app:?}" -g "${app:?}" -m 0700 "$staging"
    zerda_cli backup --to "$staging/zerda.db"
    mv "$staging/zerda.db" "$1"
    ynh_safe_rm "$staging"
}

# Puts the database copy $1 in place of the instance's database (zerda
# stopped), dropping the write-ahead log of the file it replaces.
zerda_restore_database() {
    ynh_safe_rm "${data_dir:?}/zerda.db-wal"
    ynh_safe_rm "${data_dir:?}/zerda.db-shm"
    install -o "${app:?}" -g "${app:?}" -m 0600 "$1" "${data_dir:?}/zerda.db"
}
