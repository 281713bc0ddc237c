/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Desktop notifications: org.freedesktop.Notifications.Notify on the
 * session bus, through GLib's GDBus (no wire code of our own).
 *
 * A session without a bus (an ssh login, a root shell, a server, CI) is
 * told apart before GLib is asked: GLib would otherwise try to start a bus
 * of its own (dbus-launch) where an X display is set.
 */
#include "config.h"
#include "monitor.h"
#include "base/compat.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NOTIFY_NAME "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define NOTIFY_IFACE "org.freedesktop.Notifications"
/* The monitor's own name on the bus: one monitor per session. */
#define MONITOR_BUS_NAME "hkpost_p11.Monitor"
#define CALL_TIMEOUT_MS 10000

struct mon_notifier {
	GDBusConnection *bus;
	void (*closed) (void *data);
	void *closed_data;
	gulong closed_handler;
};

/* Where a session's bus would be; false with why when there is none. */
static bool
session_bus_exists (char *why, size_t why_len)
{
	const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
	if (address != NULL && address[0] != '\0')
		return true;
	const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
	if (runtime != NULL && runtime[0] == '/') {
		char path[PATH_MAX];
		struct stat st;
		snprintf (path, sizeof path, "%s/bus", runtime);
		if (stat (path, &st) == 0 && S_ISSOCK (st.st_mode))
			return true;
	}
	snprintf (why, why_len, "%s",
		  _ ("there is no session bus: DBUS_SESSION_BUS_ADDRESS is not set and "
		     "XDG_RUNTIME_DIR holds no 'bus' (an ssh session, a root shell, or a "
		     "server or CI without a desktop)"));
	return false;
}

mon_notifier *
mon_notifier_open (char *why, size_t why_len)
{
	GError *error = NULL;

	if (!session_bus_exists (why, why_len))
		return NULL;
	GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
	if (bus == NULL) {
		snprintf (why, why_len, _ ("cannot connect to the session bus: %s"),
			  error ? error->message : "?");
		g_clear_error (&error);
		return NULL;
	}
	/* The session ending is not a reason for GLib to exit the process:
	 * the monitor ends in order (C_Finalize, the slot thread). */
	g_dbus_connection_set_exit_on_close (bus, FALSE);
	mon_notifier *n = g_new0 (mon_notifier, 1);
	n->bus = bus;
	return n;
}

bool
mon_notifier_server (mon_notifier *n, char *name, size_t name_len, char *why, size_t why_len)
{
	GError *error = NULL;
	GVariant *reply = g_dbus_connection_call_sync (
		n->bus, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_IFACE, "GetServerInformation", NULL,
		G_VARIANT_TYPE ("(ssss)"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &error);
	if (reply == NULL) {
		snprintf (why, why_len,
			  _ ("no notification server answers on the session bus (%s): start the "
			     "desktop's, or one such as dunst"),
			  error ? error->message : "?");
		g_clear_error (&error);
		return false;
	}
	const char *server = NULL, *vendor = NULL, *version = NULL, *spec = NULL;
	g_variant_get (reply, "(&s&s&s&s)", &server, &vendor, &version, &spec);
	snprintf (name, name_len, "%s %s", server, version);
	cli_sanitise (name);
	g_variant_unref (reply);
	return true;
}

bool
mon_notifier_claim (mon_notifier *n)
{
	GError *error = NULL;
	GVariant *reply = g_dbus_connection_call_sync (
		n->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		"RequestName", g_variant_new ("(su)", MONITOR_BUS_NAME, 4 /* DO_NOT_QUEUE */),
		G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &error);
	if (reply == NULL) {
		/* A bus that refuses names still carries notifications. */
		cli_warning (_ ("cannot claim the bus name %s (%s): a second monitor would not be "
				"noticed"),
			     MONITOR_BUS_NAME, error ? error->message : "?");
		g_clear_error (&error);
		return true;
	}
	guint32 result = 0;
	g_variant_get (reply, "(u)", &result);
	g_variant_unref (reply);
	/* 1: primary owner now; 4: already ours. */
	return result == 1 || result == 4;
}

static void
sent (GObject *source, GAsyncResult *res, gpointer data)
{
	GError *error = NULL;
	char *event = data;
	GVariant *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
	if (reply == NULL) {
		cli_warning (_ ("the notification '%s' was not shown: %s"), event,
			     error ? error->message : "?");
		g_clear_error (&error);
	} else {
		g_variant_unref (reply);
	}
	g_free (event);
}

void
mon_notifier_send (mon_notifier *n, const mon_note *note)
{
	GVariantBuilder hints;
	g_variant_builder_init (&hints, G_VARIANT_TYPE ("a{sv}"));
	g_variant_builder_add (&hints, "{sv}", "urgency",
			       g_variant_new_byte ((guchar)note->urgency));
	g_variant_builder_add (&hints, "{sv}", "desktop-entry",
			       g_variant_new_string ("hkpost-p11-monitor"));
	if (note->category != NULL)
		g_variant_builder_add (&hints, "{sv}", "category",
				       g_variant_new_string (note->category));
	g_variant_builder_add (&hints, "{sv}", "x-hkpost-p11-event",
			       g_variant_new_string (note->event));
	if (note->token[0] != '\0')
		g_variant_builder_add (&hints, "{sv}", "x-hkpost-p11-token",
				       g_variant_new_string (note->token));
	if (note->serial[0] != '\0')
		g_variant_builder_add (&hints, "{sv}", "x-hkpost-p11-serial",
				       g_variant_new_string (note->serial));
	if (note->tries_left >= 0)
		g_variant_builder_add (&hints, "{sv}", "x-hkpost-p11-tries-left",
				       g_variant_new_int32 ((gint32)note->tries_left));
	if (note->has_days)
		g_variant_builder_add (&hints, "{sv}", "x-hkpost-p11-days-left",
				       g_variant_new_int32 ((gint32)note->days_left));
	if (note->program[0] != '\0')
		g_variant_builder_add (&hints, "{sv}", "x-hkpost-p11-program",
				       g_variant_new_string (note->program));

	GVariant *args = g_variant_new ("(susssasa{sv}i)", "hkpost-p11", (guint32)0, note->icon,
					note->summary, note->body, NULL, &hints,
					(gint32)-1 /* the server's default */);
	g_dbus_connection_call (n->bus, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_IFACE, "Notify", args,
				G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
				NULL, sent, g_strdup (note->event));

	/* One line for the journal or the terminal: what the holder was told. */
	char when[32];
	time_t now = time (NULL);
	struct tm tm;
	strftime (when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r (&now, &tm));
	printf ("%s %s: %s\n", when, note->event, note->summary);
	fflush (stdout);
}

static void
on_closed (GDBusConnection *bus, gboolean remote, GError *error, gpointer data)
{
	mon_notifier *n = data;
	(void)bus;
	(void)remote;
	(void)error;
	if (n->closed != NULL)
		n->closed (n->closed_data);
}

void
mon_notifier_on_closed (mon_notifier *n, void (*closed) (void *data), void *data)
{
	n->closed = closed;
	n->closed_data = data;
	if (n->closed_handler == 0)
		n->closed_handler = g_signal_connect (n->bus, "closed", G_CALLBACK (on_closed), n);
}

void
mon_notifier_close (mon_notifier *n)
{
	if (n == NULL)
		return;
	if (!g_dbus_connection_is_closed (n->bus))
		g_dbus_connection_flush_sync (n->bus, NULL, NULL);
	if (n->closed_handler != 0)
		g_signal_handler_disconnect (n->bus, n->closed_handler);
	g_object_unref (n->bus);
	g_free (n);
}
