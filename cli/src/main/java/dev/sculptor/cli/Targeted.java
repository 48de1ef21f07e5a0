package dev.sculptor.cli;

/** A command that talks to a service: its error line names the endpoint in use. */
interface Targeted {
    /** The endpoint in use now; null until resolved. */
    Endpoints.Target target();
}
