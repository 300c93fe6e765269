# shellcheck shell=bash
# What /usr/share/yunohost/helpers gives the zerda package's scripts, as far
# as tests/packaging/run.sh needs to know: shellcheck reads this file in place
# of the real helpers (`# shellcheck source=ynh-helpers.sh` in each script),
# so a variable the scripts use without YunoHost setting it is still reported
# (SC2154), and run.sh checks that the scripts call only the helpers below.
# Nothing here runs on a YunoHost server.

# Settings YunoHost exports to every script of a packaging v2 app: the install
# questions (the password only during install) and the resources' settings.
app=zerda
domain=events.example.org
admin=camille
language=en
password=not-a-real-password
install_dir=/var/www/zerda
data_dir=/home/yunohost.app/zerda
port=8095

# The YunoHost helpers (version 2.1, the manifest's helpers_version) the
# scripts may call. Checked against the helpers.v2.1.d sources of YunoHost
# (templating, nginx, systemd, sources, utils, user, backup, logging, setting).
ynh_app_setting_set() { :; }
ynh_backup() { :; }
ynh_config_add() { :; }
ynh_config_add_nginx() { :; }
ynh_config_add_systemd() { :; }
ynh_config_remove_nginx() { :; }
ynh_config_remove_systemd() { :; }
ynh_die() { :; }
ynh_exec_as_app() { :; }
ynh_hide_warnings() { :; }
ynh_print_info() { :; }
ynh_print_warn() { :; }
ynh_restore() { :; }
ynh_safe_rm() { :; }
ynh_script_progression() { :; }
ynh_setup_source() { :; }
ynh_systemctl() { :; }
ynh_user_get_info() { :; }
