package dev.permafrost.support.rest;

/** The body of an RFC 9457 problem+json answer. */
public record Problem(String type, String title, int status, String detail, String instance) {}
