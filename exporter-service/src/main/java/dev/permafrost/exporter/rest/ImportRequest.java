package dev.permafrost.exporter.rest;

/**
 * A request to import the Wikimedia dumps of the hours in [from, to).
 *
 * @param force import hours again that were imported before, replacing their rows
 */
public record ImportRequest(String from, String to, boolean force) {}
