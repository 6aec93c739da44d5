package dev.permafrost.exporter.rest;

/**
 * Body of {@code POST /api/v1/exports}.
 *
 * @param from inclusive start: a date ({@code 2026-11-20}) or an instant
 * @param to exclusive end, at most the start of the partition that is still open
 */
public record ExportRequest(String dataset, String from, String to) {}
