package dev.permafrost.query.rest;

import dev.permafrost.query.service.ColdReadException;
import dev.permafrost.support.rest.ProblemException;
import dev.permafrost.support.rest.ProblemMappers;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A cold chunk that cannot be read fails the whole request with 503 naming the partition: an answer
 * without it would be a wrong number that looks right.
 */
public class ColdReadMapper {

  private static final Logger LOG = Logger.getLogger(ColdReadMapper.class);

  private final ProblemMappers problems = new ProblemMappers();

  @ServerExceptionMapper
  public Response coldReadFailed(ColdReadException e, UriInfo uri) {
    LOG.warnf("%s failed: %s", uri.getPath(), e.getMessage());
    return problems.problem(ProblemException.unavailable(e.getMessage()), uri);
  }
}
