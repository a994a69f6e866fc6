/** Who is asking: the authenticated user and the socket the request came on. */
export interface RequestContext {
  userId: string;
  connectionId: string;
}
